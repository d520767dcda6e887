import { carrierFor } from "../carriers";
import { findService } from "../carriers/services";
import type { BatchRow } from "../db/batches";
import { credit, debit } from "../db/ledger";
import type { ShipmentRecord } from "../db/shipments";
import { renderLabelPdf } from "../labels/draw";
import { RATE_TTL_MS } from "../batch/validate";
import { addMs, nowIso } from "../lib/time";
import { labelKey, type PurchaseResult } from "./messages";

/**
 * Buys one queued shipment: debit first (the balance can never go below zero), then the carrier with
 * the shipment id as idempotency key, then the label into R2. Safe to run again for the same shipment:
 * the debit and the carrier both recognise a repeat. A TransientCarrierError propagates for a retry.
 */
export async function buyShipment(env: Env, batch: BatchRow, s: ShipmentRecord, attempt: number): Promise<PurchaseResult> {
  const now = nowIso();
  const spec = findService(s.service);
  const carrier = carrierFor(env, batch.mode, attempt);
  if (!spec) return { shipment_id: s.id, status: "purchase_failed", message: `Unknown service ${s.service}` };
  const req = { service: spec, from: s.from_address, to: s.to_address, parcel: s.parcel as Record<keyof typeof s.parcel, number>, reference: s.reference };

  // A rate past its expiry is quoted again; the new amount is what gets charged.
  const fresh = s.rate_cents !== null && s.rate_expires_at !== null && s.rate_expires_at > now;
  const rate = fresh ? { cents: s.rate_cents!, expires_at: s.rate_expires_at } : { cents: carrier.rate(req).cents, expires_at: addMs(now, RATE_TTL_MS) };

  const charge = await debit(env.DB, s.account_id, s.id, rate.cents, now);
  if (charge.outcome === "insufficient") return { shipment_id: s.id, status: "purchase_failed", message: "Insufficient prepay balance" };

  const bought = await carrier.purchase(s.id, req);
  if (!bought.ok) {
    await credit(env.DB, s.id, "refund", now);
    return { shipment_id: s.id, status: "purchase_failed", message: bought.message };
  }
  const key = labelKey(batch.id, s.id);
  await env.LABELS.put(key, await renderLabelPdf(bought.label), { httpMetadata: { contentType: "application/pdf" } });
  return {
    shipment_id: s.id, status: "purchased", tracking_number: bought.tracking_number, label_key: key,
    rate_cents: charge.cents, rate_expires_at: rate.expires_at, purchased_at: now,
  };
}

/** Undoes a purchase whose result can no longer be recorded (the batch timed out meanwhile). */
export async function undoPurchase(env: Env, batch: BatchRow, shipmentId: string) {
  await carrierFor(env, batch.mode).void(shipmentId);
  await credit(env.DB, shipmentId, "refund", nowIso());
}
