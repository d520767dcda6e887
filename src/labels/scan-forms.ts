// SCAN forms: one manifest per carrier and origin address, since a carrier's driver scans only its own
// labels and a manifest names one place of pickup. The batch's object lists them; the label queue's
// consumer writes each: test batches draw their own (scan-form.ts), live batches take the provider's.
import { carrierFor } from "../carriers";
import type { CarrierId } from "../carriers/services";
import type { BatchRow } from "../db/batches";
import type { ManifestSource } from "../db/shipments";
import { newId } from "../lib/ids";
import { nowIso } from "../lib/time";
import { renderScanForm } from "./scan-form";

export type StoredScanForm = {
  id: string; carrier: CarrierId; origin: string; shipment_count: number; created_at: string; key: string;
  status: "generating" | "ready" | "failed"; provider_id?: string;
  /** The shipments on this form: a shipment is on one live form at most, so a new request leaves them out. */
  shipment_ids?: string[];
  /** A POST to the provider may have been sent: looked up before any new one. */
  posted?: boolean;
  /** Why the provider failed it, in its words. */
  message?: string;
};

/**
 * The batch's SCAN forms as stored in its `scan_form` column. Before manifests were per carrier it held
 * one object (a USPS manifest, already written); read here as a one-form list, so every reader agrees.
 */
export function storedScanForms(column: string | null | undefined): StoredScanForm[] {
  const stored = column ? JSON.parse(column) : [];
  return Array.isArray(stored) ? stored : [{ carrier: "usps", status: "ready", origin: "", ...stored }];
}

/**
 * The manifests a batch needs now: one per carrier and origin address over its bought, not voided
 * shipments. Test batches draw theirs again each time. A live shipment is on one provider form at
 * most: forms made or being made stay, and only shipments on none go on new ones (a failed form's
 * shipments among them, since asking again is the client's explicit choice).
 */
export function planScanForms(batchId: string, rows: readonly ManifestSource[], existing: readonly StoredScanForm[] = [], live = false): StoredScanForm[] {
  const kept = live ? existing.filter((f) => f.status !== "failed" && f.shipment_ids) : [];
  const covered = new Set(kept.flatMap((f) => f.shipment_ids!));
  const groups = new Map<string, ManifestSource[]>();
  for (const r of rows) {
    if (covered.has(r.id)) continue;
    const k = `${r.carrier}\u0000${r.from_address}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...kept, ...[...groups.values()].map((group): StoredScanForm => {
    const id = newId("sf");
    return {
      id, carrier: group[0].carrier as CarrierId, origin: group[0].from_address, shipment_count: group.length,
      created_at: nowIso(), key: `scan_forms/${batchId}/${id}.pdf`, status: "generating", shipment_ids: group.map((r) => r.id),
    };
  })];
}

/** What writing one form came to: written, still being made by the provider (asked again later), or failed. */
export type ScanFormWrite = { status: "ready" | "generating" | "failed"; provider_id?: string; message?: string };

/**
 * Writes one manifest: the provider's for live batches, ours for test ones. `beforePost` records that a
 * provider POST may go out, so a crash after it is looked up instead of posting again.
 */
export async function writeScanForm(env: Env, batch: BatchRow, form: StoredScanForm, rows: readonly ManifestSource[], beforePost: () => Promise<void>): Promise<ScanFormWrite> {
  const group = form.shipment_ids
    ? rows.filter((r) => form.shipment_ids!.includes(r.id))
    : rows.filter((r) => r.carrier === form.carrier && r.from_address === form.origin);
  const carrier = carrierFor(env, batch.mode);
  if (carrier.scanForm) {
    if (!form.provider_id && !form.posted) await beforePost();
    const made = await carrier.scanForm(group.length ? group.map((r) => r.id) : form.shipment_ids ?? [], { provider_id: form.provider_id ?? null, posted: Boolean(form.posted) });
    if (made.status !== "ready") return { status: made.status, provider_id: made.provider_id ?? undefined, message: made.status === "failed" ? made.message : undefined };
    await env.LABELS.put(form.key, made.pdf, { httpMetadata: { contentType: "application/pdf" } });
    return { status: "ready", provider_id: made.provider_id };
  }
  if (!group.length) throw new Error(`scan form ${form.id} has no shipments left`);
  const pdf = await renderScanForm({
    id: form.id, batch_id: batch.id, shipper: JSON.parse(group[0].from_address), date: form.created_at.slice(0, 10),
    rows: group.map((r) => ({ position: r.position, tracking_number: r.tracking_number, service: r.service, weight_oz: r.weight_oz, cents: r.cents })),
  });
  await env.LABELS.put(form.key, pdf, { httpMetadata: { contentType: "application/pdf" } });
  return { status: "ready" };
}
