// The webhook queue and the sweep behind it. Every delivery is a row in `webhook_deliveries` owed
// until its endpoint answers 2xx (`delivered`) or its attempts run out (`failed`); a message is only
// the nudge to try it now. A fan-out or a delivery whose message was lost (a crash, a killed server)
// is found by the sweep (the Worker's cron trigger, every minute) and sent again.
import { getEvent } from "../db/events";
import { fanOut, fanOutMany, getDelivery, overdueDeliveries, recordFailure, settleDelivery, unfannedEvents } from "../db/webhooks";
import { deliver } from "./deliver";
import { MAX_DELIVERY_ATTEMPTS, webhookBackoffSeconds, type WebhookMessage } from "./messages";

const SEND_BATCH = 100;
/** A fan-out or an attempt this late is taken for lost and sent again by the sweep. */
export const SWEEP_GRACE_MS = 60_000;
const SWEEP_LIMIT = 500;

const deliveries = (eventId: string, webhookIds: readonly string[]) =>
  webhookIds.map((id) => ({ body: { kind: "delivery", event_id: eventId, webhook_id: id } satisfies WebhookMessage }));

async function sendAll(queue: Queue, messages: MessageSendRequest<WebhookMessage>[]) {
  for (let i = 0; i < messages.length; i += SEND_BATCH) await queue.sendBatch(messages.slice(i, i + SEND_BATCH));
}

/** One attempt of one owed delivery; the next is a delayed message (and, if that is lost, the sweep). */
async function attempt(env: Env, eventId: string, webhookId: string) {
  const row = await getDelivery(env.DB, eventId, webhookId);
  if (!row || row.status !== "owed") return;
  const n = row.attempts + 1;
  const outcome = await deliver(env, eventId, webhookId, n);
  const now = new Date();
  const iso = now.toISOString();
  if (outcome === "delivered") return void (await settleDelivery(env.DB, eventId, webhookId, "delivered", n, iso, iso).run());
  if (outcome !== "retry" || n >= MAX_DELIVERY_ATTEMPTS) {
    // Refused (a target inside), dropped (the subscription deleted) or out of attempts: failed, and said so.
    await env.DB.batch([
      settleDelivery(env.DB, eventId, webhookId, "failed", n, iso, iso),
      ...(outcome === "retry" ? [recordFailure(env.DB, eventId, webhookId, iso)] : []),
    ]);
    return;
  }
  const delay = webhookBackoffSeconds(n);
  await settleDelivery(env.DB, eventId, webhookId, "owed", n, new Date(now.getTime() + delay * 1000).toISOString(), iso).run();
  await env.WEBHOOK_QUEUE.send({ kind: "delivery", event_id: eventId, webhook_id: webhookId } satisfies WebhookMessage, { delaySeconds: delay });
}

/**
 * The webhook queue. Event messages fan out into one owed delivery per subscribed endpoint, so each
 * endpoint retries on its own schedule. Deliveries run side by side, each with its own time-out, so
 * one endpoint that hangs cannot hold up the others.
 */
export async function consumeWebhooks(batch: MessageBatch<WebhookMessage>, env: Env): Promise<void> {
  await Promise.all(batch.messages.map(async (msg) => {
    const body = msg.body;
    try {
      if (body.kind === "events") {
        const owed = (await env.DB.batch(fanOutMany(env.DB, body.event_ids, new Date().toISOString()))).at(-1)!.results as { event_id: string; webhook_id: string }[];
        await sendAll(env.WEBHOOK_QUEUE, owed.flatMap((o) => deliveries(o.event_id, [o.webhook_id])));
        return msg.ack();
      }
      if (body.kind === "event") {
        const event = await getEvent(env.DB, body.event_id);
        if (event) {
          const owed = (await env.DB.batch(fanOut(env.DB, body.event_id, new Date().toISOString()))).at(-1)!.results as { webhook_id: string }[];
          await sendAll(env.WEBHOOK_QUEUE, deliveries(body.event_id, owed.map((o) => o.webhook_id)));
        }
        return msg.ack();
      }
      await attempt(env, body.event_id, body.webhook_id);
      msg.ack();
    } catch (err) {
      console.warn(`webhook message failed: ${(err as Error).message}`);
      msg.retry({ delaySeconds: webhookBackoffSeconds(msg.attempts) });
    }
  }));
}

/** The queue gave up on a message (it kept throwing): the delivery is recorded as failed, never dropped silently. */
export async function consumeDeadWebhooks(batch: MessageBatch<WebhookMessage>, env: Env): Promise<void> {
  const now = new Date().toISOString();
  const statements = batch.messages.flatMap((m) => (m.body.kind === "delivery"
    ? [settleDelivery(env.DB, m.body.event_id, m.body.webhook_id, "failed", 0, now, now), recordFailure(env.DB, m.body.event_id, m.body.webhook_id, now)]
    : []));
  if (statements.length) await env.DB.batch(statements);
  // A fan-out that kept failing is left unfanned: the sweep sends it again.
  for (const m of batch.messages) if (m.body.kind === "event") console.error("webhook fan-out dead-lettered", m.body.event_id);
  batch.ackAll();
}

/**
 * The sweep: events whose fan-out never happened, and owed deliveries whose attempt is overdue, are
 * queued again. An overdue delivery is moved on before it is sent, so a sweep sends it once.
 */
export async function sweepWebhooks(env: Env, now = Date.now()): Promise<{ events: number; deliveries: number }> {
  const before = new Date(now - SWEEP_GRACE_MS).toISOString();
  const events = await unfannedEvents(env.DB, before, SWEEP_LIMIT);
  await sendAll(env.WEBHOOK_QUEUE, events.map((id) => ({ body: { kind: "event", event_id: id } satisfies WebhookMessage })));
  const overdue = await overdueDeliveries(env.DB, before, new Date(now + 5 * SWEEP_GRACE_MS).toISOString(), SWEEP_LIMIT);
  await sendAll(env.WEBHOOK_QUEUE, overdue.map((d) => ({ body: { kind: "delivery", event_id: d.event_id, webhook_id: d.webhook_id } satisfies WebhookMessage })));
  if (events.length || overdue.length) console.warn(`webhook sweep: ${events.length} fan-outs and ${overdue.length} deliveries sent again`);
  return { events: events.length, deliveries: overdue.length };
}
