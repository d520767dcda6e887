import { batchCalls, batchObject, found } from "../batch/client";
import type { BatchObject } from "../batch/object";
import type { BatchRow } from "../db/batches";
import type { WorkShipment } from "../db/shipments";
import { backgroundTurn } from "../lib/foreground";
import { undoPurchases } from "../money";
import { buyShipments } from "./buy";
import { backoffSeconds, type PurchaseMessage, type PurchaseResult } from "./messages";

const VOIDED_AFTER_TIME_OUT = "Purchase timed out; the label the carrier had sold was voided and the amount refunded";

type Group = { batch: BatchRow; msgs: Message<PurchaseMessage>[]; shipments: WorkShipment[] };

/**
 * The messages that still have something to buy, grouped by batch. The rest are acknowledged here:
 * already recorded, never queued, a duplicate within this delivery, or the batch has moved on
 * (cancelled, timed out) — a late message buys nothing.
 */
export async function queuedByBatch(env: Env, msgs: readonly Message<PurchaseMessage>[]): Promise<Group[]> {
  // Each batch's object answers for its own shipments: one call per batch in the delivery.
  const byBatch = new Map<string, string[]>();
  for (const m of msgs) byBatch.set(m.body.batch_id, [...(byBatch.get(m.body.batch_id) ?? []), m.body.shipment_id]);
  const shipments = new Map<string, WorkShipment>();
  const batches = new Map<string, BatchRow>();
  await Promise.all([...byBatch].map(async ([batchId, ids]) => {
    const answer = found(await batchCalls(env, batchId).shipmentsOf(batchId, ids));
    if (!answer) return;
    batches.set(batchId, answer.row);
    for (const s of answer.shipments) shipments.set(s.id, s);
  }));
  const groups = new Map<string, Group>();
  const seen = new Set<string>();
  const failed = new Map<string, { batch: BatchRow; ids: string[] }>();
  const skipped: Message<PurchaseMessage>[] = [];
  for (const msg of msgs) {
    const s = shipments.get(msg.body.shipment_id);
    const b = batches.get(msg.body.batch_id);
    if (!s || !b || s.batch_id !== b.id || s.status !== "queued" || b.status !== "purchasing" || seen.has(s.id)) {
      // A shipment that failed (a time-out) while an earlier delivery of it was at the carrier may have
      // been debited or sold after its refund: undone here, a no-op when nothing happened.
      if (s && b && s.batch_id === b.id && s.status === "purchase_failed") {
        const f = failed.get(b.id) ?? { batch: b, ids: [] };
        f.ids.push(s.id);
        failed.set(b.id, f);
      }
      skipped.push(msg);
      continue;
    }
    seen.add(s.id);
    const g = groups.get(b.id) ?? { batch: b, msgs: [], shipments: [] };
    g.msgs.push(msg);
    g.shipments.push(s);
    groups.set(b.id, g);
  }
  // Acknowledged only once undone: if the undo throws, the whole delivery is retried.
  for (const f of failed.values()) {
    const voided = (await undoPurchases(env, f.batch, f.ids)).filter((v) => v.outcome !== "not_sold").map((v) => v.key);
    if (voided.length) {
      found(await batchCalls(env, f.batch.id).noteVoided(f.batch.id, voided, VOIDED_AFTER_TIME_OUT));
    }
  }
  for (const m of skipped) m.ack();
  return [...groups.values()];
}

/**
 * The purchase queue: buys the messages' shipments, grouped by batch, then reports the results to
 * each batch's Durable Object in one call per batch. A message is acknowledged only after its result
 * is recorded, so a crash anywhere before that means a redelivery, which the idempotent buy turns
 * into the same label and no second charge.
 */
export async function consumePurchases(batch: MessageBatch<PurchaseMessage>, env: Env): Promise<void> {
  await backgroundTurn();
  await Promise.all((await queuedByBatch(env, batch.messages)).map(async (g) => {
    let outcomes;
    try {
      outcomes = await buyShipments(env, g.batch, g.shipments.map((shipment, i) => ({ shipment, attempt: g.msgs[i].attempts })));
    } catch (err) {
      console.warn(`purchases for ${g.batch.id} failed: ${(err as Error).message}`);
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
    await backgroundTurn();
    if (results.length) await report(env, g.batch, done, results);
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
