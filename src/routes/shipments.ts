import { createRoute, z } from "@hono/zod-openapi";
import { batchObject, batchWithShipments, ownedBatch, presentBatch, presentShipment, unwrap } from "../batch/client";
import { ApiError } from "../http/errors";
import { refundAtCarrier, voidRefundStatus } from "../money";
import { jsonBody, parseBody, validate } from "../http/body";
import type { App } from "../http/context";
import { listSchema, page } from "../http/pagination";
import { route } from "../http/route";
import { BatchIdParam, IdempotencyKeyHeader, ShipmentParams } from "../http/openapi";
import { AddShipments, BatchSummary, RemoveShipments, ShipmentsQuery } from "../schemas/batch";
import { json } from "../schemas/common";
import { errorResponses } from "../http/openapi";
import { Shipment, ShipmentPatch } from "../schemas/shipment";
import { readShipments } from "./batches";


export function registerShipmentRoutes(app: App) {
  route(app, createRoute({
    method: "get", path: "/v1/batches/{id}/shipments", operationId: "listShipments", tags: ["Shipments"], summary: "List a batch's shipments in position order",
    request: { params: BatchIdParam, query: ShipmentsQuery },
    responses: { 200: json(listSchema(Shipment, "ShipmentList"), "A page of shipments"), ...errorResponses(400, 404) },
  }), async (c) => {
    const q = validate(ShipmentsQuery, c.req.query());
    const { rows, total } = await batchWithShipments(c, c.req.param("id")!, q);
    return c.json(page(rows.map((s) => presentShipment(c, s, q.include === "rates")), q.page, q.limit, total));
  });

  route(app, createRoute({
    method: "post", path: "/v1/batches/{id}/add_shipments", operationId: "addShipments", tags: ["Shipments"], summary: "Add shipments (JSON or CSV)",
    description: "The batch goes back to `validating`. Allowed while `validating`, `invalid` or `ready`.",
    request: { params: BatchIdParam, headers: IdempotencyKeyHeader, body: { content: {
      "application/json": { schema: AddShipments },
      "multipart/form-data": { schema: z.object({ file: z.string().openapi({ format: "binary" }) }) },
    } } },
    responses: { 202: json(BatchSummary, "Accepted; the new shipments are being validated"), ...errorResponses(400, 404, 409, 413, 415) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    const { rows } = await readShipments(c, { fieldsSchema: z.object({}).strict(), jsonSchema: AddShipments });
    // A CSV with a header and no rows adds nothing: refused as `{ "shipments": [] }` is.
    if (!rows.length) throw new ApiError("validation_failed", "The request failed validation.", [{ path: "shipments", message: "Add at least one shipment" }]);
    return c.json(presentBatch(c, unwrap(await batchObject(c.env, row.id).addShipments(row.id, rows)).row), 202);
  });

  route(app, createRoute({
    method: "post", path: "/v1/batches/{id}/remove_shipments", operationId: "removeShipments", tags: ["Shipments"], summary: "Remove shipments",
    description: "All ids must belong to the batch, or nothing is removed (400). The batch is validated again.",
    request: { params: BatchIdParam, headers: IdempotencyKeyHeader, body: { content: { "application/json": { schema: RemoveShipments } } } },
    responses: { 200: json(BatchSummary, "The batch"), ...errorResponses(400, 404, 409, 415) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    const body = await jsonBody(c, RemoveShipments);
    return c.json(presentBatch(c, unwrap(await batchObject(c.env, row.id).removeShipments(row.id, [...new Set(body.shipment_ids)])).row));
  });

  route(app, createRoute({
    method: "patch", path: "/v1/batches/{id}/shipments/{shipment_id}", operationId: "updateShipment", tags: ["Shipments"], summary: "Fix a shipment",
    description: "A partial update: named fields replace, `from_address`, `to_address` and `parcel` merge field by field. The shipment is validated again.",
    request: { params: ShipmentParams, headers: IdempotencyKeyHeader, body: { content: { "application/json": { schema: ShipmentPatch } } } },
    responses: { 200: json(Shipment, "The shipment, now `validating`"), ...errorResponses(400, 404, 409, 415) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    const patch = await jsonBody(c, ShipmentPatch);
    const { shipment } = unwrap(await batchObject(c.env, row.id).editShipment(row.id, c.req.param("shipment_id")!, patch));
    return c.json(presentShipment(c, shipment));
  });

  route(app, createRoute({
    method: "post", path: "/v1/batches/{id}/shipments/{shipment_id}/void", operationId: "voidShipment", tags: ["Shipments"], summary: "Void a bought label",
    description: "The label is voided with the carrier first, and only then is its amount (what was charged for it) credited back to the prepaid balance, once. Voiding again answers 409. A test label is voided and credited at once. A live label is refunded through EasyPost, which decides later (for USPS after 15 days or more): the shipment is `voided` with `refund_status: submitted` once EasyPost accepted the request, and nothing is credited yet. The refund is followed with EasyPost 1 hour, 6 hours and 1 day after the void, then daily for 35 days; when EasyPost says `refunded` the amount is credited (once) and a `batch.updated`-visible change shows it. `rejected` (the carrier saw the label used) and `not_applicable` credit nothing: the shipment is `purchased` again with that `refund_status`, and a rejected refund may be asked again with another void. A refund still `submitted` after 35 days is no longer followed.",
    request: { params: ShipmentParams, headers: IdempotencyKeyHeader },
    responses: { 200: json(Shipment, "The shipment, now `voided`"), ...errorResponses(404, 409) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    await parseBody(c);
    const shipmentId = c.req.param("shipment_id")!;
    // The intent first (the object refuses a shipment not there, or not bought) (a request that dies from here on is finished by the batch), then the carrier:
    // nothing is credited for a label the carrier has not taken back.
    unwrap(await batchObject(c.env, row.id).beginVoid(row.id, shipmentId));
    let outcome;
    try {
      [outcome] = await refundAtCarrier(c.env, row, [shipmentId]);
    } catch (err) {
      await batchObject(c.env, row.id).abandonVoid(row.id, shipmentId);
      throw err;
    }
    const refundStatus = voidRefundStatus(outcome);
    const { shipment } = unwrap(await batchObject(c.env, row.id).voidShipment(row.id, shipmentId, refundStatus));
    return c.json(presentShipment(c, shipment));
  });
}
