import { batchBooks } from "../batch/books";
import { batchCalls, batchObject, found } from "../batch/client";
import { carrierFor } from "../carriers";
import { findService } from "../carriers/services";
import type { PurchaseRequest } from "../carriers/types";
import type { BatchRow } from "../db/batches";
import type { WorkShipment } from "../db/shipments";
import { RATE_TTL_MS } from "../batch/validate";
import { declarationOf as declaration } from "../batch/customs";
import { letRequestsIn } from "../lib/foreground";
import { addMs, nowIso } from "../lib/time";
import { adjust, credit, debit } from "../money";
import { formatCents } from "../lib/money";
import type { Fee } from "../carriers/types";
import { customsDocumentKey, labelKey, type PurchaseResult } from "./messages";

export type BuyItem = { shipment: WorkShipment; attempt: number };
export type BuyOutcome = PurchaseResult | { shipment_id: string; status: "retry"; message: string };

/**
 * Buys a consumer batch's shipments of one batch: debits first (one transaction; the balance can never
 * go below zero), then the carrier with each shipment id as idempotency key.
 * Safe to run again for the same shipments: the debit and the carrier both recognise a repeat.
 */
export async function buyShipments(env: Env, batch: BatchRow, items: readonly BuyItem[]): Promise<BuyOutcome[]> {
  await letRequestsIn();
  const now = nowIso();
  const carrier = carrierFor(env, batch.mode, batchBooks(env, batch.id));
  const live = Boolean(carrier.rateWithProvider);
  // A carrier that can sell nothing now (no key, a test key for live labels): every purchase fails, nothing is debited.
  if (carrier.cannotBuy) return items.map(({ shipment }) => ({ shipment_id: shipment.id, status: "purchase_failed" as const, message: carrier.cannotBuy! }));
  const requests = items.map(({ shipment: s, attempt }) => {
    const spec = findService(s.service)!;
    const req: PurchaseRequest = {
      service: spec, from: s.from_address, to: s.to_address, parcel: s.parcel as PurchaseRequest["parcel"],
      idempotency_key: s.id, reference: s.reference, attempt,
      provider_shipment_id: s.provider_shipment_id, provider_rate_id: s.provider_rate_id, buy_started: s.provider_buy_at !== null,
      insurance_cents: s.insurance_cents, customs: declaration(s),
    };
    // A sandbox rate past its expiry is quoted again; the new amount is what gets charged. A provider's
    // rate is bought by its id, so its amount is what the provider charges.
    const fresh = live || (s.rate_cents !== null && s.rate_expires_at !== null && s.rate_expires_at > now);
    const rate = fresh ? { cents: s.rate_cents!, expires_at: s.rate_expires_at } : { cents: carrier.rate(req).cents, expires_at: addMs(now, RATE_TTL_MS) };
    // What the merchant was shown: the rate and, when asked for, the insurance fee quoted with it.
    const quoted: Fee[] = [{ type: "PostageFee", cents: rate.cents }, ...(s.insurance_fee_cents ? [{ type: "InsuranceFee", cents: s.insurance_fee_cents }] : [])];
    return { s, req, rate, quoted, total: quoted.reduce((a, f) => a + f.cents, 0) };
  });

  const charges = await debit(env.DB, requests.map(({ s, total }) => ({ account_id: s.account_id, shipment_id: s.id, cents: total })), now);
  const outcomes: BuyOutcome[] = new Array(items.length);
  const toBuy: number[] = [];
  charges.forEach((c, i) => {
    if (c.outcome === "insufficient") outcomes[i] = { shipment_id: requests[i].s.id, status: "purchase_failed", message: "Insufficient prepay balance" };
    else toBuy.push(i);
  });

  await letRequestsIn();
  // From here a buy may reach the provider: a later attempt reads the provider's shipment first.
  if (live && toBuy.length) {
    if (!found(await batchCalls(env, batch.id).markBuyStarted(batch.id, toBuy.map((i) => requests[i].s.id)))) throw new Error(`No batch ${batch.id}`);
  }
  const sold = await carrier.purchase(toBuy.map((i) => requests[i].req));
  const declined: string[] = [];
  const documents: Promise<unknown>[] = [];
  toBuy.forEach((i, j) => {
    const { s, rate } = requests[i];
    const b = sold[j];
    if (!b.ok) {
      // Transient: keep the debit; the retry finds it and does not charge again.
      if (b.transient) outcomes[i] = { shipment_id: s.id, status: "retry", message: b.message };
      else {
        declined.push(s.id);
        outcomes[i] = { shipment_id: s.id, status: "purchase_failed", message: b.message };
      }
      return;
    }
    // What was charged: the provider's fees for a live label; for a sandbox one, what was debited (a
    // redelivered message keeps its first debit even if the rate was quoted again since).
    const insurance = requests[i].quoted.filter((f) => f.type === "InsuranceFee");
    const fees = b.fees ?? [{ type: "PostageFee", cents: charges[i].cents - insurance.reduce((a, f) => a + f.cents, 0) }, ...insurance];
    // The sandbox sells label data, not a document: the shipment's own PDF is drawn from it on first
    // download (and kept in R2), and merged files draw the same data. A provider's document is kept as sold.
    const key = labelKey(batch.id, s.id);
    if (b.document) documents.push(env.LABELS.put(key, b.document, { httpMetadata: { contentType: "application/pdf" } }));
    if (b.customs_document) documents.push(env.LABELS.put(customsDocumentKey(key), b.customs_document, { httpMetadata: { contentType: "application/pdf" } }));
    outcomes[i] = {
      shipment_id: s.id, status: "purchased", tracking_number: b.tracking_number, label_key: key,
      rate_cents: b.fees ? rate.cents : fees[0].cents, rate_expires_at: rate.expires_at, purchased_at: now,
      fees: fees.map((f) => ({ type: f.type, amount: formatCents(f.cents) })), charged_cents: fees.reduce((a, f) => a + f.cents, 0),
    };
  });
  // A charge that differs from what was debited is settled to the cent; more than the balance covers
  // is not kept: that label is voided at the carrier and its debit credited back.
  const bought = outcomes.map((o, i) => ({ o, i })).filter(({ o }) => o?.status === "purchased") as { o: Extract<BuyOutcome, { status: "purchased" }>; i: number }[];
  const differing = bought.filter(({ o, i }) => o.charged_cents !== charges[i].cents);
  if (differing.length) {
    const adjusted = await adjust(env.DB, differing.map(({ o }) => ({ shipment_id: o.shipment_id, charged_cents: o.charged_cents })), now);
    const uncovered = differing.filter((_, j) => adjusted[j].outcome === "insufficient");
    if (uncovered.length) {
      await carrier.void(uncovered.map(({ o }) => o.shipment_id));
      for (const { o, i } of uncovered) {
        declined.push(o.shipment_id);
        outcomes[i] = {
          shipment_id: o.shipment_id, status: "purchase_failed",
          message: `The carrier charged ${formatCents(o.charged_cents)}, more than the ${formatCents(charges[i].cents)} shown, and the balance cannot cover the difference; the label was voided and nothing was charged`,
        };
      }
    }
  }
  await Promise.all(documents);
  await credit(env.DB, declined, "refund", now);
  return outcomes;
}
