import { Webhook } from "standardwebhooks";
import { getEvent } from "../db/events";
import { activeWebhook, recordAttempt } from "../db/webhooks";
import { needsResolving, refuseResolved, refuseTarget, resolveHost } from "./targets";

export type DeliveryOutcome = "delivered" | "retry" | "dropped" | "refused";

/** Signs per Standard Webhooks; the event id is the `webhook-id`, the same on every retry. */
export function signedRequest(secret: string, event: { id: string; type: string; created_at: string; data: string }, at = new Date()) {
  const payload = JSON.stringify({ id: event.id, type: event.type, created_at: event.created_at, data: JSON.parse(event.data) });
  return {
    payload,
    headers: {
      "content-type": "application/json",
      "user-agent": "batch-labels-webhooks/1",
      "webhook-id": event.id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(event.id, at, payload),
    },
  };
}

/**
 * One attempt to deliver one event to one endpoint. A deleted subscription gets nothing, and an
 * event only ever goes to a subscription of the event's own account.
 */
export async function deliver(env: Env, eventId: string, webhookId: string, attempt: number): Promise<DeliveryOutcome> {
  const [hook, event] = await Promise.all([activeWebhook(env.DB, webhookId), getEvent(env.DB, eventId)]);
  if (!hook || !event || hook.account_id !== event.account_id) return "dropped";
  const { payload, headers } = signedRequest(hook.secret, event);
  let status: number | null = null;
  let error: string | null = null;
  const record = (outcome: "delivered" | "retrying" | "failed") => recordAttempt(env.DB, {
    event_id: eventId, webhook_id: webhookId, attempt, status_code: status, error, outcome, created_at: new Date().toISOString(),
  }).run();
  // Checked again here: subscriptions made before the rules, and names that resolve inside.
  let refused = refuseTarget(hook.url, hook.mode);
  const host = refused ? null : needsResolving(hook.url);
  if (host && env.WEBHOOK_DNS_RESOLVER) {
    try {
      refused = refuseResolved(await resolveHost(env.WEBHOOK_DNS_RESOLVER, host), hook.mode);
    } catch (err) {
      error = `Could not resolve ${host}: ${(err as Error).message}`.slice(0, 200);
      await record("retrying");
      return "retry";
    }
  }
  if (refused) {
    error = refused;
    await record("failed");
    return "refused";
  }
  try {
    const res = await fetch(hook.url, {
      method: "POST", headers, body: payload, redirect: "manual",
      signal: AbortSignal.timeout(Number(env.WEBHOOK_TIMEOUT_MS) || 10_000),
    });
    status = res.status;
    await res.body?.cancel();
  } catch (err) {
    error = (err as Error).name === "TimeoutError" ? "Timed out" : (err as Error).message.slice(0, 200);
  }
  const ok = status !== null && status >= 200 && status < 300;
  await record(ok ? "delivered" : "retrying");
  return ok ? "delivered" : "retry";
}
