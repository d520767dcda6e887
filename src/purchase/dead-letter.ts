import { undoPurchases } from "../money";
import { queuedByBatch, report } from "./consumer";
import type { PurchaseMessage } from "./messages";

/**
 * Messages whose retries ran out: the shipment ends `purchase_failed` with the reason, never stuck in
 * `queued`, and anything debited for it is credited back (and any label the carrier sold, voided).
 */
export async function consumeDeadPurchases(batch: MessageBatch<PurchaseMessage>, env: Env): Promise<void> {
  await Promise.all((await queuedByBatch(env, batch.messages)).map(async (g) => {
    await undoPurchases(env, g.batch, g.shipments.map((s) => s.id));
    await report(env, g.batch, g.msgs, g.shipments.map((s) => ({
      shipment_id: s.id, status: "purchase_failed" as const, message: "The carrier could not be reached; gave up after retrying.",
    })));
  }));
}
