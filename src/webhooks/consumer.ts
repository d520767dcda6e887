import { getEvent } from "../db/events";
import { recordFailure, subscribers } from "../db/webhooks";
import { deliver } from "./deliver";
import { webhookBackoffSeconds, type WebhookMessage } from "./messages";

const SEND_BATCH = 100;

/**
 * The webhook queue. Event messages fan out into one delivery message per subscribed endpoint, so
 * each endpoint retries on its own schedule. Deliveries run side by side, each with its own time-out,
 * so one endpoint that hangs cannot hold up the others.
 */
export async function consumeWebhooks(batch: MessageBatch<WebhookMessage>, env: Env): Promise<void> {
  await Promise.all(batch.messages.map(async (msg) => {
    const body = msg.body;
    try {
      if (body.kind === "event") {
        const event = await getEvent(env.DB, body.event_id);
        const hooks = event ? await subscribers(env.DB, event.account_id, event.type) : [];
        for (let i = 0; i < hooks.length; i += SEND_BATCH) {
          await env.WEBHOOK_QUEUE.sendBatch(hooks.slice(i, i + SEND_BATCH).map((h) => ({
            body: { kind: "delivery", event_id: body.event_id, webhook_id: h.id } satisfies WebhookMessage,
          })));
        }
        return msg.ack();
      }
      const outcome = await deliver(env, body.event_id, body.webhook_id, msg.attempts);
      if (outcome === "retry") msg.retry({ delaySeconds: webhookBackoffSeconds(msg.attempts) });
      else msg.ack();
    } catch (err) {
      console.warn(`webhook message failed: ${(err as Error).message}`);
      msg.retry({ delaySeconds: webhookBackoffSeconds(msg.attempts) });
    }
  }));
}

/** Retries ran out: the delivery is recorded as failed, visible on the event, never dropped silently. */
export async function consumeDeadWebhooks(batch: MessageBatch<WebhookMessage>, env: Env): Promise<void> {
  const now = new Date().toISOString();
  const statements = batch.messages.flatMap((m) => (m.body.kind === "delivery" ? [recordFailure(env.DB, m.body.event_id, m.body.webhook_id, now)] : []));
  if (statements.length) await env.DB.batch(statements);
  for (const m of batch.messages) if (m.body.kind === "event") console.error("webhook fan-out dead-lettered", m.body.event_id);
  batch.ackAll();
}
