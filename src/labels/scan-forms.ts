// SCAN forms: one manifest per carrier and origin address, since a carrier's driver scans only its own
// labels and a manifest names one place of pickup. The batch's object lists them; the label queue's
// consumer writes each: test batches draw their own (scan-form.ts), live batches take the provider's.
import { findService, type CarrierId } from "../carriers/services";
import type { BatchRow } from "../db/batches";
import type { ManifestSource } from "../db/shipments";
import { newId } from "../lib/ids";
import { nowIso } from "../lib/time";

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
/**
 * Whether a carrier takes this service on an end-of-day manifest. USPS's SCAN form covers its
 * international mail too; FedEx's manifest (its ground close) covers no international shipment,
 * which FedEx Express clears on its own paperwork; UPS manifests every shipment it picks up.
 */
export const onManifest = (service: string) => {
  const spec = findService(service);
  return !spec || !(spec.carrier === "fedex" && spec.scope === "international");
};

export function planScanForms(batchId: string, rows: readonly ManifestSource[], existing: readonly StoredScanForm[] = [], live = false): StoredScanForm[] {
  const kept = live ? existing.filter((f) => f.status !== "failed" && f.shipment_ids) : [];
  const covered = new Set(kept.flatMap((f) => f.shipment_ids!));
  const groups = new Map<string, ManifestSource[]>();
  for (const r of rows) {
    if (covered.has(r.id) || !onManifest(r.service)) continue;
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
