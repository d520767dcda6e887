// A batch's pickups: scheduled over its bought shipments (in the background), cancelled and credited.
import { createRoute, z } from "@hono/zod-openapi";
import { batchObject, ownedBatch, presentBatch, unwrap } from "../batch/client";
import { jsonBody, parseBody } from "../http/body";
import type { App } from "../http/context";
import { ApiError } from "../http/errors";
import { route } from "../http/route";
import { BatchIdParam, errorResponses, IdempotencyKeyHeader } from "../http/openapi";
import { cancelPickup } from "../pickups/work";
import { BatchSummary, PickupBody } from "../schemas/batch";
import { json } from "../schemas/common";

export function registerPickupRoutes(app: App) {
  route(app, createRoute({
    method: "post", path: "/v1/batches/{id}/pickups", operationId: "schedulePickups", tags: ["Pickups"], summary: "Schedule carrier pickups for the bought shipments",
    description: "One pickup per carrier and origin address over the bought, not voided shipments (of `carriers`, when given). The window is checked first: both ends ISO 8601 with an offset, the start in the future and before the end, the end within the days each carrier books ahead (USPS 14, UPS 10, FedEx 5), neither end on a Sunday or a US federal holiday; a bad window is 400 `validation_failed` naming the field, and nothing is asked or charged. The batch answers at once with each new pickup `scheduling`; each becomes `scheduled` with the carrier's `confirmation` (or `failed` with its reason) within seconds, announced by a `batch.updated` event. What a pickup costs (USPS: nothing; UPS and FedEx: what the carrier asks) is debited when it is booked; a pickup the balance cannot cover fails with `Insufficient prepay balance` and is not booked. Live batches book through EasyPost's pickups (created with the shipments, the carrier's cheapest pickup rate bought).",
    request: { params: BatchIdParam, headers: IdempotencyKeyHeader, body: { content: { "application/json": { schema: PickupBody } } } },
    responses: { 202: json(BatchSummary, "Accepted: the batch with its new `pickups`, `scheduling`"), ...errorResponses(400, 404, 409) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    const body = await jsonBody(c, PickupBody);
    return c.json(presentBatch(c, unwrap(await batchObject(c.env, row.id).requestPickups(row.id, body)).row), 202);
  });

  route(app, createRoute({
    method: "post", path: "/v1/batches/{id}/pickups/{pickup_id}/cancel", operationId: "cancelPickup", tags: ["Pickups"], summary: "Cancel a scheduled pickup",
    description: "Cancels the pickup with its carrier, then credits what it cost, once. Only a `scheduled` pickup can be cancelled: another answers 409 (a second cancel too). If the request dies part way, asking again finishes it without a second credit.",
    request: { params: BatchIdParam.extend({ pickup_id: z.string().max(100).openapi({ param: { name: "pickup_id", in: "path" }, example: "pku_01J…" }) }), headers: IdempotencyKeyHeader },
    responses: { 200: json(BatchSummary, "The batch with the pickup `cancelled`"), ...errorResponses(404, 409) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    await parseBody(c);
    const done = await cancelPickup(c.env, row, c.req.param("pickup_id")!);
    if (!done.ok) throw new ApiError(done.code, done.message);
    return c.json(presentBatch(c, done.row), 200);
  });
}
