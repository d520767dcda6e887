import { createRoute, z } from "@hono/zod-openapi";
import { listEvents } from "../db/events";
import { validate } from "../http/body";
import type { App } from "../http/context";
import { listSchema, page, pageQuery } from "../http/pagination";
import { route } from "../http/route";
import { errorResponses, json, Timestamp } from "../schemas/common";

const Event = z.object({
  id: z.string(), object: z.literal("event"), type: z.enum(["batch.created", "batch.updated"]), created_at: Timestamp,
  data: z.record(z.string(), z.unknown()).openapi({ description: "The batch summary; `batch.updated` adds `previous_status`" }),
}).openapi("Event");
const EventsQuery = pageQuery(25, 100).extend({ type: z.enum(["batch.created", "batch.updated"]).optional(), batch_id: z.string().optional() });

export function registerEventRoutes(app: App) {
  route(app, createRoute({
    method: "get", path: "/v1/events", tags: ["Events"], summary: "Events, newest first",
    request: { query: EventsQuery },
    responses: { 200: json(listSchema(Event, "EventList"), "A page of events"), ...errorResponses(400) },
  }), async (c) => {
    const q = validate(EventsQuery, c.req.query());
    const { rows, total } = await listEvents(c.env.DB, c.get("account").id, q);
    return c.json(page(rows.map((e) => ({ id: e.id, object: "event" as const, type: e.type, created_at: e.created_at, data: JSON.parse(e.data) })), q.page, q.limit, total));
  });
}
