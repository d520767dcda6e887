// Rows → the API's objects. The one place that decides how a batch and a shipment look on the wire.
import type { BatchRow } from "../db/batches";
import type { ShipmentRecord } from "../db/shipments";
import { signed, signedUrl, type Linker } from "../labels/links";
import type { LabelFile } from "../labels/messages";
import { storedScanForms } from "../labels/scan-forms";
import type { LabelSet } from "./label-sets";
import { findService, type CarrierId } from "../carriers/services";
import { fromStored } from "../carriers/shopping";
import { formatCents } from "../lib/money";
import { exportFiling } from "./customs";
import { storedPickups } from "./pickups";
import type { BatchSummary, Counts } from "../schemas/batch";

export const emptyCounts = (): Counts => ({
  total: 0, validating: 0, valid: 0, invalid: 0, queued: 0, purchased: 0, purchase_failed: 0, voided: 0,
});

/** Share of the shipments sent to purchase whose purchase has finished, rounded down. */
export function completionPercentage(c: Counts): number {
  const finished = c.purchased + c.purchase_failed + c.voided;
  const sent = finished + c.queued;
  return sent === 0 ? 0 : Math.floor((finished * 100) / sent);
}

export const labelFilePath = (batchId: string, n: number) => `/v1/batches/${batchId}/labels/${n}`;
export const shipmentLabelPath = (batchId: string, shipmentId: string) => `/v1/batches/${batchId}/shipments/${shipmentId}/label`;
export const labelSetArchivePath = (batchId: string, setId: string) => `/v1/batches/${batchId}/label_sets/${setId}/archive`;
export const scanFormPath = (batchId: string, id: string) => `/v1/batches/${batchId}/scan_forms/${id}`;
export const customsFormPath = (batchId: string, n: number) => `/v1/batches/${batchId}/customs_forms/${n}`;
export const streamPath = (batchId: string) => `/v1/batches/${batchId}/stream`;

/** Long enough to open a stream after asking for it; short, because the link sits in a URL (and in logs). */
export const STREAM_TOKEN_TTL_MS = 5 * 60 * 1000;

export function toStreamToken(batchId: string, linker: Linker, now = Date.now()) {
  const { url, expires } = signed(linker, streamPath(batchId), now, STREAM_TOKEN_TTL_MS, 1000);
  return { object: "stream_token" as const, batch_id: batchId, url, expires_at: new Date(expires * 1000).toISOString() };
}

export function toBatchSummary(row: BatchRow, linker: Linker): BatchSummary {
  const counts = JSON.parse(row.counts) as Counts;
  const files = JSON.parse(row.labels) as LabelFile[];
  const sets = JSON.parse(row.label_sets ?? "[]") as LabelSet[];
  // Files written before label sets existed belong to the purchase's set.
  const setId = (f: LabelFile) => sets.find((s) => s.set === (f.set ?? 1))?.id ?? null;
  const scanForms = storedScanForms(row.scan_form);
  return {
    id: row.id, object: "batch", mode: row.mode, status: row.status, reference: row.reference, name: row.name,
    via: row.via, default_carrier: row.default_carrier, default_service: row.default_service,
    max_delivery_days: row.max_delivery_days ?? null, carriers: row.carriers ? JSON.parse(row.carriers) : null,
    rate_summary: (JSON.parse(row.rate_summary ?? "[]") as { carrier: CarrierId; service: string; n: number; cents: number }[])
      .map((r) => ({ carrier: r.carrier, service: r.service, count: r.n, amount: formatCents(r.cents) })),
    label_format: row.label_format, label_layout: row.label_layout, metadata: JSON.parse(row.metadata),
    counts, completion_percentage: completionPercentage(counts),
    total_amount: formatCents(row.total_cents), currency: row.currency,
    labels: files.map((f) => ({
      url: signedUrl(linker, labelFilePath(row.id, f.n)), label_set_id: setId(f), format: f.format, layout: f.layout, count: f.count,
      first_position: f.first_position, last_position: f.last_position,
    })),
    label_sets: sets.map(({ set: n, ...s }) => ({
      ...s, archive_url: files.some((f) => (f.set ?? 1) === n) ? signedUrl(linker, labelSetArchivePath(row.id, s.id)) : null,
    })),
    scan_forms: scanForms.map((f) => ({
      id: f.id, carrier: f.carrier, status: f.status ?? "ready", url: f.status === "generating" || f.status === "failed" ? null : signedUrl(linker, scanFormPath(row.id, f.id)),
      shipment_count: f.shipment_count, created_at: f.created_at, message: f.message ?? null,
    })),
    customs_defaults: row.customs_defaults ? JSON.parse(row.customs_defaults) : null,
    tracking_summary: row.tracking_summary ? JSON.parse(row.tracking_summary) : null,
    pickups: storedPickups(row.pickups).map((p) => ({
      id: p.id, carrier: p.carrier, min_datetime: p.min_datetime, max_datetime: p.max_datetime, status: p.status, confirmation: p.confirmation,
      amount: p.cents === null ? null : formatCents(p.cents), shipment_count: p.shipment_ids.length, message: p.message,
    })),
    customs_forms: files.filter((f) => f.customs).map((f) => ({
      url: signedUrl(linker, customsFormPath(row.id, f.n)), count: f.customs!.count,
      first_position: f.customs!.first_position, last_position: f.customs!.last_position,
    })),
    created_at: row.created_at, updated_at: row.updated_at, validated_at: row.validated_at,
    purchased_at: row.purchased_at, completed_at: row.completed_at, expires_at: row.expires_at,
  };
}

/** A bought shipment's tracking: as kept, or, before its first scan, its label created at purchase. */
function trackingOf(s: ShipmentRecord) {
  if (s.status !== "purchased" || !s.purchased_at) return null;
  if (s.tracking) {
    const t = s.tracking;
    return { status: t.status, status_detail: t.status_detail, est_delivery_date: t.est_delivery_date, updated_at: t.updated_at, events: t.events };
  }
  return {
    status: "pre_transit" as const, status_detail: "label_created", est_delivery_date: null, updated_at: s.purchased_at,
    events: [{ at: s.purchased_at, status: "pre_transit" as const, message: "Shipping label created, awaiting item", city: s.from_address.city, state: s.from_address.state, country: s.from_address.country }],
  };
}

/** What was debited for a bought label: its charge; a label bought before charges were kept was debited its rate. */
const chargedCents = (s: ShipmentRecord): number | null =>
  s.charged_cents ?? ((s.status === "purchased" || s.status === "voided") && s.purchased_at ? s.rate_cents : null);

export function toShipment(s: ShipmentRecord, linker: Linker, includeRates = false) {
  const alternatives = (s.rates ?? []).map(fromStored);
  const chosen = alternatives.find((a) => a.service === s.service);
  return {
    id: s.id, object: "batch_shipment" as const, position: s.position, reference: s.reference, status: s.status,
    errors: s.status === "invalid" ? s.errors : null, carrier: s.carrier, service: s.service,
    from_address: s.from_address, to_address: s.to_address, parcel: s.parcel,
    service_strategy: s.service_strategy ?? null,
    rate: s.rate_cents === null ? null : {
      amount: formatCents(s.rate_cents), insurance_fee: s.insurance_fee_cents ? formatCents(s.insurance_fee_cents) : null,
      total_amount: formatCents(s.rate_cents + (s.insurance_fee_cents ?? 0)), currency: s.rate_currency ?? "USD",
      delivery_days: chosen?.delivery_days ?? null, estimated_delivery_date: chosen?.estimated_delivery_date ?? null, expires_at: s.rate_expires_at!,
    },
    ...(includeRates ? {
      rates: alternatives.map((a) => ({
        carrier: findService(a.service)!.carrier, service: a.service, amount: formatCents(a.cents), currency: s.rate_currency ?? "USD",
        delivery_days: a.delivery_days, estimated_delivery_date: a.estimated_delivery_date,
      })),
    } : {}),
    tracking_number: s.tracking_number,
    label_url: s.label_key && s.status === "purchased" ? signedUrl(linker, shipmentLabelPath(s.batch_id, s.id)) : null,
    message: s.message,
    purchased_at: s.purchased_at,
    insurance_amount: s.insurance_cents ? formatCents(s.insurance_cents) : null,
    charged_amount: chargedCents(s) === null ? null : formatCents(chargedCents(s)!),
    fees: s.fees ?? null,
    charge_differs: chargedCents(s) !== null && s.rate_cents !== null && chargedCents(s) !== s.rate_cents + (s.insurance_fee_cents ?? 0),
    warnings: s.warnings && Object.keys(s.warnings).length ? s.warnings : null,
    verified_to_address: s.verified_to_address ?? null,
    refund_status: s.refund_status ?? null, tracking: trackingOf(s), customs: s.customs ? { ...s.customs, eel_pfc: s.customs.eel_pfc ?? (s.to_address.country !== "US" ? exportFiling(s.customs, s.to_address.country) : null) } : null, metadata: s.metadata,
  };
}
