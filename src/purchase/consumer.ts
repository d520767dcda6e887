import { batchObject } from "../batch/client";
import type { BatchObject } from "../batch/object";
import { getBatchesByIds, type BatchRow } from "../db/batches";
import { getShipmentsByIds } from "../db/shipments";
import { buyShipment, undoPurchase } from "./buy";
import { backoffSeconds, type PurchaseMessage, type PurchaseResult } from "./messages";

/**
 * The purchase queue: buys each message's shipment, then reports the results to each batch's Durable
 * Object in one call per batch. A message is acknowledged only after its result is recorded, so a
 * crash anywhere before that means a redelivery, which the idempotent buy turns into the same label.
 */
export async function consumePurchases(batch: MessageBatch<PurchaseMessage>, env: Env): Promise<void> {
  const msgs = batch.messages;
  const [shipments, batches] = await Promise.all([
    getShipmentsByIds(env.DB, msgs.map((m) => m.body.shipment_id)),
    getBatchesByIds(env.DB, [...new Set(msgs.map((m) => m.body.batch_id))]),
  ]);
  const results = new Map<string, { msgs: Message<PurchaseMessage>[]; results: PurchaseResult[] }>();

  await Promise.all(msgs.map(async (msg) => {
    const s = shipments.get(msg.body.shipment_id);
    const b = batches.get(msg.body.batch_id);
    // Already recorded, never queued, or the batch has moved on (cancelled, timed out): nothing to buy.
    if (!s || !b || s.batch_id !== b.id || s.status !== "queued" || b.status !== "purchasing") return msg.ack();
    try {
      const result = await buyShipment(env, b, s, msg.attempts);
      const entry = results.get(b.id) ?? { msgs: [], results: [] };
      entry.msgs.push(msg);
      entry.results.push(result);
      results.set(b.id, entry);
    } catch (err) {
      console.warn(`purchase of ${s.id} failed (attempt ${msg.attempts}): ${(err as Error).message}`);
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    }
  }));

  await Promise.all([...results].map(([batchId, entry]) => report(env, batches.get(batchId)!, entry.msgs, entry.results)));
}

/** Reports one batch's results; a result the batch did not accept (it timed out meanwhile) is undone. */
export async function report(env: Env, batch: BatchRow, msgs: readonly Message<unknown>[], results: PurchaseResult[]) {
  try {
    const outcome = (await batchObject(env, batch.id).recordPurchases(batch.id, results)) as Awaited<ReturnType<BatchObject["recordPurchases"]>>;
    if (!outcome.ok) throw new Error(outcome.message);
    const accepted = new Set(outcome.accepted);
    const stale = outcome.already_purchased;
    await Promise.all(results
      .filter((r) => r.status === "purchased" && !accepted.has(r.shipment_id) && !stale.includes(r.shipment_id))
      .map((r) => undoPurchase(env, batch, r.shipment_id)));
    for (const m of msgs) m.ack();
  } catch (err) {
    console.warn(`reporting to ${batch.id} failed: ${(err as Error).message}`);
    for (const m of msgs) m.retry({ delaySeconds: backoffSeconds(m.attempts) });
  }
}
