import { createRoute, z } from "@hono/zod-openapi";
import { getAccountEvent, listEvents, type EventRow } from "../db/events";
import { attemptsFor } from "../db/webhooks";
import { notFound } from "../http/errors";
import { validate } from "../http/body";
import type { App } from "../http/context";
import { listSchema, page, pageQuery } from "../http/pagination";
import { route } from "../http/route";
import { json, Timestamp } from "../schemas/common";
import { errorResponses } from "../http/openapi";
import { WEBHOOK_EVENTS } from "../webhooks/messages";

const Delivery = z.object({
  webhook_id: z.string(), attempt: z.number().int(), status_code: z.number().int().nullable(), error: z.string().nullable(),
  outcome: z.enum(["delivered", "retrying", "failed"]), created_at: Timestamp,
}).openapi("DeliveryAttempt");
const Event = z.object({
  id: z.string(), object: z.literal("event"), type: z.enum(WEBHOOK_EVENTS), created_at: Timestamp,
  data: z.record(z.string(), z.unknown()).openapi({ description: "The batch summary (`batch.delivered`: once every tracked shipment is delivered or returned); `batch.updated` adds `previous_status`; `batch.recovering` adds `recovery: { action: purchases_resent | label_files_requeued, count, attempt, quiet_seconds }`. `shipment.tracking_updated` is one shipment's change of tracking status: `{ batch_id, shipment_id, position, reference, tracking_number, status, previous_status, status_detail, est_delivery_date, updated_at }`" }),
  deliveries: z.array(Delivery).openapi({ description: "Every attempt to deliver this event to your webhooks" }),
}).openapi("Event");

async function present(db: D1Database, rows: EventRow[]) {
  const attempts = await attemptsFor(db, rows.map((r) => r.id));
  return rows.map((e) => ({
    id: e.id, object: "event" as const, type: e.type, created_at: e.created_at, data: JSON.parse(e.data),
    deliveries: attempts.filter((a) => a.event_id === e.id).map(({ event_id: _, ...a }) => a),
  }));
}
const EventsQuery = pageQuery(25, 100).extend({ type: z.enum(WEBHOOK_EVENTS).optional(), batch_id: z.string().optional() });

export function registerEventRoutes(app: App) {
  route(app, createRoute({
    method: "get", path: "/v1/events", operationId: "listEvents", tags: ["Events"], summary: "Events, newest first",
    request: { query: EventsQuery },
    responses: { 200: json(listSchema(Event, "EventList"), "A page of events"), ...errorResponses(400) },
  }), async (c) => {
    const q = validate(EventsQuery, c.req.query());
    const { rows, total } = await listEvents(c.env.DB, c.get("account").id, q);
    return c.json(page(await present(c.env.DB, rows), q.page, q.limit, total));
  });

  route(app, createRoute({
    method: "get", path: "/v1/events/{id}", operationId: "getEvent", tags: ["Events"], summary: "One event with its delivery attempts",
    request: { params: z.object({ id: z.string().max(100).openapi({ param: { name: "id", in: "path" }, example: "evt_01JQ…" }) }) },
    responses: { 200: json(Event, "The event"), ...errorResponses(404) },
  }), async (c) => {
    const row = await getAccountEvent(c.env.DB, c.get("account").id, c.req.param("id")!);
    if (!row) throw notFound("event");
    return c.json((await present(c.env.DB, [row]))[0]);
  });
}
