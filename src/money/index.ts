// Every movement of money: debits and credits of the prepaid balance (ledger.ts, one transaction per
// call, once per shipment), and the carrier-side half of a refund. A refund never leaves a label sold:
// what is credited back is first voided at the carrier (sandbox) or has its refund accepted by the
// provider (EasyPost), and a credit happens only after that.
import { batchBooks } from "../batch/books";
import { carrierFor } from "../carriers";
import type { VoidOutcome } from "../carriers/types";
import { nowIso } from "../lib/time";
import { credit } from "./ledger";

export { adjust, credit, creditStatements, debit, uncredited, type AdjustResult, type Debit, type DebitResult } from "./ledger";

type Mode = { id: string; mode: "test" | "live" };

// `books` is where the carrier finds what it sold: the batch's own (its object), unless a test gives another.

/**
 * Undoes purchases whose results can no longer be recorded (the batch timed out meanwhile, the
 * shipment already failed): voided at the carrier first, then credited. Both steps are once per
 * shipment, so undoing a purchase that never happened is harmless. Throws, crediting nothing, when
 * the carrier cannot be asked.
 */
export async function undoPurchases(env: Env, batch: Mode, shipmentIds: readonly string[], books = batchBooks(env, batch.id)): Promise<VoidOutcome[]> {
  if (!shipmentIds.length) return [];
  const voids = await carrierFor(env, batch.mode, books).void(shipmentIds);
  await credit(env.DB, shipmentIds, "refund", nowIso());
  return voids;
}

/**
 * The carrier half of a void (a client's, or one the batch finishes after its request died): the sandbox
 * voids at once; EasyPost is asked for a refund. The caller records the void (and credits a sandbox
 * one) only for what this answers the carrier took. Safe to repeat for the same labels.
 */
export function refundAtCarrier(env: Env, batch: Mode, shipmentIds: readonly string[], books = batchBooks(env, batch.id)): Promise<VoidOutcome[]> {
  return carrierFor(env, batch.mode, books).void(shipmentIds);
}

/** What a void records on the shipment: a provider's refund is `submitted` until it says more. */
export const voidRefundStatus = (o: VoidOutcome) => (o.outcome === "refund_submitted" ? "submitted" as const : null);
