// SCAN forms: one manifest per carrier and origin address, since a carrier's driver scans only its own
// labels and a manifest names one place of pickup. Test batches draw their own (scan-form.ts); live
// batches take the provider's, one EasyPost scan form per group.
import { carrierFor } from "../carriers";
import type { CarrierId } from "../carriers/services";
import type { BatchRow } from "../db/batches";
import type { ManifestSource } from "../db/shipments";
import { newId } from "../lib/ids";
import { nowIso } from "../lib/time";
import { renderScanForm } from "./scan-form";

export type StoredScanForm = { id: string; carrier: CarrierId; shipment_count: number; created_at: string; key: string; provider_id?: string };

export async function makeScanForms(env: Env, batch: BatchRow, rows: readonly ManifestSource[]): Promise<StoredScanForm[]> {
  const groups = new Map<string, ManifestSource[]>();
  for (const r of rows) {
    const k = `${r.carrier}\u0000${r.from_address}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const carrier = carrierFor(env, batch.mode);
  const forms: StoredScanForm[] = [];
  for (const group of groups.values()) {
    const id = newId("sf");
    const created_at = nowIso();
    const key = `scan_forms/${batch.id}/${id}.pdf`;
    let pdf: Uint8Array;
    let provider_id: string | undefined;
    if (carrier.scanForm) {
      const made = await carrier.scanForm(group.map((r) => r.id));
      pdf = made.pdf;
      provider_id = made.id;
    } else {
      pdf = await renderScanForm({
        id, batch_id: batch.id, shipper: JSON.parse(group[0].from_address), date: created_at.slice(0, 10),
        rows: group.map((r) => ({ position: r.position, tracking_number: r.tracking_number, service: r.service, weight_oz: r.weight_oz, cents: r.cents })),
      });
    }
    await env.LABELS.put(key, pdf, { httpMetadata: { contentType: "application/pdf" } });
    forms.push({ id, carrier: group[0].carrier as CarrierId, shipment_count: group.length, created_at, key, ...(provider_id ? { provider_id } : {}) });
  }
  return forms;
}
