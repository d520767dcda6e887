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
  status: "generating" | "ready"; provider_id?: string;
};

/**
 * The batch's SCAN forms as stored in its `scan_form` column. Before manifests were per carrier it held
 * one object (a USPS manifest, already written); read here as a one-form list, so every reader agrees.
 */
export function storedScanForms(column: string | null | undefined): StoredScanForm[] {
  const stored = column ? JSON.parse(column) : [];
  return Array.isArray(stored) ? stored : [{ carrier: "usps", status: "ready", origin: "", ...stored }];
}

/** The manifests a batch needs now: one per carrier and origin address, over its bought, not voided shipments. */
export function planScanForms(batchId: string, rows: readonly ManifestSource[]): StoredScanForm[] {
  const groups = new Map<string, ManifestSource[]>();
  for (const r of rows) {
    const k = `${r.carrier}\u0000${r.from_address}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const id = newId("sf");
    return {
      id, carrier: group[0].carrier as CarrierId, origin: group[0].from_address, shipment_count: group.length,
      created_at: nowIso(), key: `scan_forms/${batchId}/${id}.pdf`, status: "generating",
    };
  });
}

/** Writes one manifest: the provider's for live batches, ours for test ones. Answers the provider's id, if any. */
export async function writeScanForm(env: Env, batch: BatchRow, form: StoredScanForm, rows: readonly ManifestSource[]): Promise<string | undefined> {
  const group = rows.filter((r) => r.carrier === form.carrier && r.from_address === form.origin);
  if (!group.length) throw new Error(`scan form ${form.id} has no shipments left`);
  const carrier = carrierFor(env, batch.mode);
  let pdf: Uint8Array;
  let providerId: string | undefined;
  if (carrier.scanForm) {
    const made = await carrier.scanForm(group.map((r) => r.id));
    pdf = made.pdf;
    providerId = made.id;
  } else {
    pdf = await renderScanForm({
      id: form.id, batch_id: batch.id, shipper: JSON.parse(group[0].from_address), date: form.created_at.slice(0, 10),
      rows: group.map((r) => ({ position: r.position, tracking_number: r.tracking_number, service: r.service, weight_oz: r.weight_oz, cents: r.cents })),
    });
  }
  await env.LABELS.put(form.key, pdf, { httpMetadata: { contentType: "application/pdf" } });
  return providerId;
}
