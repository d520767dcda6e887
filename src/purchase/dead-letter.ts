import { getBatchesByIds } from "../db/batches";
import { getShipmentsByIds } from "../db/shipments";
import { undoPurchases } from "./buy";
import { report } from "./consumer";
import type { PurchaseMessage, PurchaseResult } from "./messages";

/**
 * Messages whose retries ran out: the shipment ends `purchase_failed` with the reason, never stuck in
 * `queued`, and anything debited for it is credited back.
 */
export async function consumeDeadPurchases(batch: MessageBatch<PurchaseMessage>, env: Env): Promise<void> {
  const msgs = batch.messages;
  const [shipments, batches] = await Promise.all([
    getShipmentsByIds(env.DB, msgs.map((m) => m.body.shipment_id)),
    getBatchesByIds(env.DB, [...new Set(msgs.map((m) => m.body.batch_id))]),
  ]);
  const byBatch = new Map<string, { msgs: Message<PurchaseMessage>[]; results: PurchaseResult[] }>();
  for (const msg of msgs) {
    const s = shipments.get(msg.body.shipment_id);
    const b = batches.get(msg.body.batch_id);
    if (!s || !b || s.status !== "queued") {
      msg.ack();
      continue;
    }
    const entry = byBatch.get(b.id) ?? { msgs: [], results: [] };
    entry.msgs.push(msg);
    entry.results.push({ shipment_id: s.id, status: "purchase_failed", message: "The carrier could not be reached; gave up after retrying." });
    byBatch.set(b.id, entry);
  }
  await Promise.all([...byBatch].map(async ([id, e]) => {
    await undoPurchases(env, batches.get(id)!, e.results.map((r) => r.shipment_id));
    await report(env, batches.get(id)!, e.msgs, e.results);
  }));
}
