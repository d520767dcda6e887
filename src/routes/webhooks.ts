import { createRoute, z } from "@hono/zod-openapi";
import { deleteWebhook, insertWebhook, listWebhooks, type WebhookRow } from "../db/webhooks";
import { jsonBody, parseBody, validate } from "../http/body";
import type { App } from "../http/context";
import { ApiError, notFound } from "../http/errors";
import { listSchema, page, pageQuery } from "../http/pagination";
import { route } from "../http/route";
import { IdempotencyKeyHeader } from "../http/openapi";
import { newId } from "../lib/ids";
import { nowIso } from "../lib/time";
import { json, Timestamp } from "../schemas/common";
import { errorResponses } from "../http/openapi";
import { WEBHOOK_EVENTS } from "../webhooks/messages";
import { refuseTarget } from "../webhooks/targets";

const WebhookCreate = z.object({
  url: z.string().url().max(2000).openapi({ example: "https://example.com/hooks/labels" }),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).optional().openapi({ description: "Defaults to every event type" }),
}).strict().openapi("WebhookCreate");

const Webhook = z.object({
  id: z.string(), object: z.literal("webhook"), url: z.string(), events: z.array(z.string()), created_at: Timestamp,
}).openapi("Webhook");
const WebhookWithSecret = Webhook.extend({
  secret: z.string().openapi({ description: "Standard Webhooks signing secret (`whsec_…`); shown only here" }),
}).openapi("WebhookCreated");

const present = (w: WebhookRow) => ({ id: w.id, object: "webhook" as const, url: w.url, events: JSON.parse(w.events) as string[], created_at: w.created_at });

export function registerWebhookRoutes(app: App) {
  route(app, createRoute({
    method: "post", path: "/v1/webhooks", operationId: "createWebhook", tags: ["Webhooks"], summary: "Subscribe an endpoint to events",
    description: "Deliveries are `POST`s of `{ id, type, created_at, data }` signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), retried with exponential backoff (10 s, 20 s, 40 s …) on a non-2xx answer or a time-out, 9 attempts at most, after which the delivery is `failed` on the event. A delivery whose queue message was lost is sent again by a sweep every minute. Delivery is at least once: deduplicate on `webhook-id` (the event id). An event that could not be queued when it happened is queued by its batch within about 30 seconds. Live keys accept only public https URLs; test keys also loopback (`localhost`, `127.0.0.1`, `[::1]`) for local development. Private, link-local and reserved addresses, internal names and URLs with credentials are refused; at each delivery the host is resolved again and a name that points inside is not delivered to (the attempt is recorded as failed).",
    request: { headers: IdempotencyKeyHeader, body: { content: { "application/json": { schema: WebhookCreate } } } },
    responses: { 201: json(WebhookWithSecret, "The subscription, with its signing secret (shown once)"), ...errorResponses(400, 409, 415) },
  }), async (c) => {
    const body = await jsonBody(c, WebhookCreate);
    const account = c.get("account");
    const refused = refuseTarget(body.url, account.mode);
    if (refused) throw new ApiError("validation_failed", "The request failed validation.", [{ path: "url", message: refused }]);
    const url = new URL(body.url);
    const secret = `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
    const row: WebhookRow = {
      id: newId("whk"), account_id: account.id, mode: account.mode, url: url.toString(), events: JSON.stringify(body.events ?? WEBHOOK_EVENTS),
      secret, created_at: nowIso(), deleted_at: null,
    };
    await insertWebhook(c.env.DB, row);
    return c.json({ ...present(row), secret }, 201);
  });

  const ListQuery = pageQuery(25, 100);
  route(app, createRoute({
    method: "get", path: "/v1/webhooks", operationId: "listWebhooks", tags: ["Webhooks"], summary: "List subscriptions (without secrets)",
    request: { query: ListQuery },
    responses: { 200: json(listSchema(Webhook, "WebhookList"), "A page of subscriptions"), ...errorResponses(400) },
  }), async (c) => {
    const q = validate(ListQuery, c.req.query());
    const { rows, total } = await listWebhooks(c.env.DB, c.get("account").id, q.page, q.limit);
    return c.json(page(rows.map(present), q.page, q.limit, total));
  });

  route(app, createRoute({
    method: "delete", path: "/v1/webhooks/{id}", operationId: "deleteWebhook", tags: ["Webhooks"], summary: "Delete a subscription; deliveries stop at once",
    request: { params: z.object({ id: z.string().max(100).openapi({ param: { name: "id", in: "path" }, example: "whk_01JQ…" }) }) },
    responses: { 200: json(z.object({ id: z.string(), object: z.literal("webhook"), deleted: z.literal(true) }), "Deleted"), ...errorResponses(404) },
  }), async (c) => {
    await parseBody(c);
    const id = c.req.param("id")!;
    if (!(await deleteWebhook(c.env.DB, c.get("account").id, id))) throw notFound("webhook");
    return c.json({ id, object: "webhook" as const, deleted: true as const });
  });
}
