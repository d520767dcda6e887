// What providers push to us: EasyPost's `tracker.updated` events. Authenticated by EasyPost's HMAC
// signature, not an API key: HMAC-SHA256 of the raw body with the webhook secret (NFKD-normalized),
// hex, after `hmac-sha256-hex=` in `X-Hmac-Signature`, compared in constant time. Matched to our
// shipment by the provider's shipment id; anything unknown is acknowledged and ignored.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import { batchCalls, found } from "../batch/client";
import type { ProviderTracker } from "../batch/tracking";
import type { App } from "../http/context";
import { ApiError } from "../http/errors";
import { route } from "../http/route";
import { errorResponses } from "../http/openapi";
import { json } from "../schemas/common";
import { nowIso } from "../lib/time";

export const EASYPOST_EVENTS_PATH = "/v1/providers/easypost/events";

/** Whether `header` is EasyPost's signature of `body` with `secret`. */
export function validEasyPostSignature(secret: string, body: string, header: string | undefined): boolean {
  const m = /^hmac-sha256-hex=([0-9a-f]{64})$/i.exec(header ?? "");
  if (!m || !secret) return false;
  const expected = createHmac("sha256", secret.normalize("NFKD")).update(body, "utf8").digest();
  return timingSafeEqual(expected, Buffer.from(m[1], "hex"));
}

const Ack = z.object({ received: z.boolean(), applied: z.boolean() }).openapi("ProviderEventAck");

export function registerProviderRoutes(app: App) {
  route(app, createRoute({
    method: "post", path: EASYPOST_EVENTS_PATH, operationId: "receiveEasyPostEvent", tags: ["Providers"], summary: "EasyPost's webhook: tracker updates",
    description: "For EasyPost, not for API clients: register this URL as a webhook in EasyPost's dashboard with a webhook secret, and set the same secret as `EASYPOST_WEBHOOK_SECRET`. Each request must carry `X-Hmac-Signature: hmac-sha256-hex=<HMAC-SHA256 of the raw body with the secret>`; without a valid one the answer is 401 and nothing changes. A `tracker.updated` event moves the tracking of the bought shipment whose EasyPost shipment it names (never backwards: an event older than what is held is ignored); a repeated event id, another event type, or a shipment not ours is answered 200 and ignored.",
    security: [],
    request: { body: { content: { "application/json": { schema: z.object({ id: z.string(), description: z.string(), result: z.record(z.string(), z.unknown()) }).passthrough() } } } },
    responses: { 200: json(Ack, "Received (applied or ignored)"), ...errorResponses(400, 401) },
  }), async (c) => {
    const raw = await c.req.text();
    if (!validEasyPostSignature(c.env.EASYPOST_WEBHOOK_SECRET ?? "", raw, c.req.header("x-hmac-signature"))) {
      throw new ApiError("unauthorized", "A valid X-Hmac-Signature is required.");
    }
    let event: { id?: string; description?: string; result?: Record<string, unknown> };
    try {
      event = JSON.parse(raw);
    } catch {
      throw new ApiError("invalid_json", "The body is not JSON.");
    }
    const tracker = event.result as (ProviderTracker & { shipment_id?: string }) | undefined;
    if (event.description !== "tracker.updated" || !event.id || !tracker?.shipment_id || !tracker.updated_at) return c.json({ received: true, applied: false });
    if (await c.env.DB.prepare("SELECT 1 FROM provider_events WHERE id = ?").bind(event.id).first()) return c.json({ received: true, applied: false });
    const owner = await c.env.DB.prepare("SELECT batch_id FROM provider_shipments WHERE provider_shipment_id = ?").bind(tracker.shipment_id).first<{ batch_id: string }>();
    let applied = false;
    if (owner) {
      const done = found(await batchCalls(c.env, owner.batch_id).applyProviderTrackers(owner.batch_id, [{ provider_shipment_id: tracker.shipment_id, tracker }]));
      applied = (done?.applied ?? 0) > 0;
    }
    // Recorded once applied: a crash before this leaves the event to be applied again, harmlessly (never backwards).
    await c.env.DB.prepare("INSERT INTO provider_events (id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING").bind(event.id, nowIso()).run();
    return c.json({ received: true, applied });
  });
}
