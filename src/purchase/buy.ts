import { carrierFor } from "../carriers";
import { findService } from "../carriers/services";
import type { PurchaseRequest } from "../carriers/types";
import type { BatchRow } from "../db/batches";
import type { ShipmentRecord } from "../db/shipments";
import { markBuyStarted } from "../db/shipments";
import { RATE_TTL_MS } from "../batch/validate";
import { letRequestsIn } from "../lib/foreground";
import { addMs, nowIso } from "../lib/time";
import { credit, debit } from "../money";
import { labelKey, type PurchaseResult } from "./messages";

export type BuyItem = { shipment: ShipmentRecord; attempt: number };
export type BuyOutcome = PurchaseResult | { shipment_id: string; status: "retry"; message: string };

/**
 * Buys a consumer batch's shipments of one batch: debits first (one transaction; the balance can never
 * go below zero), then the carrier with each shipment id as idempotency key.
 * Safe to run again for the same shipments: the debit and the carrier both recognise a repeat.
 */
export async function buyShipments(env: Env, batch: BatchRow, items: readonly BuyItem[]): Promise<BuyOutcome[]> {
  await letRequestsIn();
  const now = nowIso();
  const carrier = carrierFor(env, batch.mode);
  const live = Boolean(carrier.rateWithProvider);
  const requests = items.map(({ shipment: s, attempt }) => {
    const spec = findService(s.service)!;
    const req: PurchaseRequest = {
      service: spec, from: s.from_address, to: s.to_address, parcel: s.parcel as PurchaseRequest["parcel"],
      idempotency_key: s.id, reference: s.reference, attempt,
      provider_shipment_id: s.provider_shipment_id, provider_rate_id: s.provider_rate_id, buy_started: s.provider_buy_at !== null,
    };
    // A sandbox rate past its expiry is quoted again; the new amount is what gets charged. A provider's
    // rate is bought by its id, so its amount is what the provider charges.
    const fresh = live || (s.rate_cents !== null && s.rate_expires_at !== null && s.rate_expires_at > now);
    const rate = fresh ? { cents: s.rate_cents!, expires_at: s.rate_expires_at } : { cents: carrier.rate(req).cents, expires_at: addMs(now, RATE_TTL_MS) };
    return { s, req, rate };
  });

  const charges = await debit(env.DB, requests.map(({ s, rate }) => ({ account_id: s.account_id, shipment_id: s.id, cents: rate.cents })), now);
  const outcomes: BuyOutcome[] = new Array(items.length);
  const toBuy: number[] = [];
  charges.forEach((c, i) => {
    if (c.outcome === "insufficient") outcomes[i] = { shipment_id: requests[i].s.id, status: "purchase_failed", message: "Insufficient prepay balance" };
    else toBuy.push(i);
  });

  await letRequestsIn();
  // From here a buy may reach the provider: a later attempt reads the provider's shipment first.
  if (live && toBuy.length) await markBuyStarted(env.DB, toBuy.map((i) => requests[i].s.id), now).run();
  const bought = await carrier.purchase(toBuy.map((i) => requests[i].req));
  const declined: string[] = [];
  const documents: Promise<unknown>[] = [];
  toBuy.forEach((i, j) => {
    const { s, rate } = requests[i];
    const b = bought[j];
    if (!b.ok) {
      // Transient: keep the debit; the retry finds it and does not charge again.
      if (b.transient) outcomes[i] = { shipment_id: s.id, status: "retry", message: b.message };
      else {
        declined.push(s.id);
        outcomes[i] = { shipment_id: s.id, status: "purchase_failed", message: b.message };
      }
      return;
    }
    if (b.cents !== undefined && b.cents !== charges[i].cents) {
      console.error(`${s.id}: the provider charged ${b.cents} cents for a rate debited at ${charges[i].cents}`);
    }
    // The sandbox sells label data, not a document: the shipment's own PDF is drawn from it on first
    // download (and kept in R2), and merged files draw the same data. A provider's document is kept as sold.
    const key = labelKey(batch.id, s.id);
    if (b.document) documents.push(env.LABELS.put(key, b.document, { httpMetadata: { contentType: "application/pdf" } }));
    outcomes[i] = {
      shipment_id: s.id, status: "purchased", tracking_number: b.tracking_number, label_key: key,
      rate_cents: charges[i].cents, rate_expires_at: rate.expires_at, purchased_at: now,
    };
  });
  await Promise.all(documents);
  await credit(env.DB, declined, "refund", now);
  return outcomes;
}
