import { batchObject } from "../batch/client";
import type { BatchObject } from "../batch/object";
import { getBatchesByIds, type BatchRow } from "../db/batches";
import { getShipmentsByIds } from "../db/shipments";
import { buyShipments, undoPurchases, type BuyItem } from "./buy";
import { backoffSeconds, type PurchaseMessage, type PurchaseResult } from "./messages";

/**
 * The purchase queue: buys the messages' shipments, grouped by batch, then reports the results to
 * each batch's Durable Object in one call per batch. A message is acknowledged only after its result
 * is recorded, so a crash anywhere before that means a redelivery, which the idempotent buy turns
 * into the same label and no second charge.
 */
export async function consumePurchases(batch: MessageBatch<PurchaseMessage>, env: Env): Promise<void> {
  const msgs = batch.messages;
  const [shipments, batches] = await Promise.all([
    getShipmentsByIds(env.DB, msgs.map((m) => m.body.shipment_id)),
    getBatchesByIds(env.DB, [...new Set(msgs.map((m) => m.body.batch_id))]),
  ]);
  const groups = new Map<string, { msgs: Message<PurchaseMessage>[]; items: BuyItem[] }>();
  const seen = new Set<string>();
  for (const msg of msgs) {
    const s = shipments.get(msg.body.shipment_id);
    const b = batches.get(msg.body.batch_id);
    // Already recorded, never queued, a duplicate in this delivery, or the batch has moved on
    // (cancelled, timed out): nothing to buy.
    if (!s || !b || s.batch_id !== b.id || s.status !== "queued" || b.status !== "purchasing" || seen.has(s.id)) {
      msg.ack();
      continue;
    }
    seen.add(s.id);
    const g = groups.get(b.id) ?? { msgs: [], items: [] };
    g.msgs.push(msg);
    g.items.push({ shipment: s, attempt: msg.attempts });
    groups.set(b.id, g);
  }

  await Promise.all([...groups].map(async ([batchId, g]) => {
    const b = batches.get(batchId)!;
    let outcomes;
    try {
      outcomes = await buyShipments(env, b, g.items);
    } catch (err) {
      console.warn(`purchases for ${batchId} failed: ${(err as Error).message}`);
      for (const m of g.msgs) m.retry({ delaySeconds: backoffSeconds(m.attempts) });
      return;
    }
    const done: Message<unknown>[] = [];
    const results: PurchaseResult[] = [];
    outcomes.forEach((o, i) => {
      if (o.status === "retry") g.msgs[i].retry({ delaySeconds: backoffSeconds(g.msgs[i].attempts) });
      else {
        done.push(g.msgs[i]);
        results.push(o);
      }
    });
    if (results.length) await report(env, b, done, results);
  }));
}

/** Reports one batch's results; a purchase the batch did not accept (it timed out meanwhile) is undone. */
export async function report(env: Env, batch: BatchRow, msgs: readonly Message<unknown>[], results: PurchaseResult[]) {
  try {
    const outcome = (await batchObject(env, batch.id).recordPurchases(batch.id, results)) as Awaited<ReturnType<BatchObject["recordPurchases"]>>;
    if (!outcome.ok) throw new Error(outcome.message);
    const keep = new Set([...outcome.accepted, ...outcome.already_purchased]);
    await undoPurchases(env, batch, results.filter((r) => r.status === "purchased" && !keep.has(r.shipment_id)).map((r) => r.shipment_id));
    for (const m of msgs) m.ack();
  } catch (err) {
    console.warn(`reporting to ${batch.id} failed: ${(err as Error).message}`);
    for (const m of msgs) m.retry({ delaySeconds: backoffSeconds(m.attempts) });
  }
}
