import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { batchObject, batchWithShipments, batchByKeyOrLink, ownedBatch, presentBatch, presentShipment, presentStreamToken, unwrap } from "../batch/client";
import { emptyCounts } from "../batch/present";
import { listBatches, type BatchRow } from "../db/batches";
import { jsonBody, parseBody, validate } from "../http/body";
import type { App, AppEnv } from "../http/context";
import { ApiError } from "../http/errors";
import { listSchema, page } from "../http/pagination";
import { route } from "../http/route";
import { BatchIdParam, IdempotencyKeyHeader, KEY_OR_SIGNED, SignedQuery } from "../http/openapi";
import { newId } from "../lib/ids";
import { parseAmount } from "../lib/money";
import { findService } from "../carriers/services";
import { addMs, DAY_MS, nowIso } from "../lib/time";
import {
  Batch, BatchCreate, BatchCreateForm, BatchQuery, BatchSummary, ListBatchesQuery, MAX_SHIPMENTS, PurchaseBody, StreamToken,
} from "../schemas/batch";
import { json } from "../schemas/common";
import { errorResponses } from "../http/openapi";
import { CSV_TEMPLATE, parseShipmentsCsv, type CsvRow } from "../schemas/csv";

const EXPIRY_MS = 30 * DAY_MS;

/** The batch with one page of its shipments, as GET /v1/batches/{id} and POST /v1/batches answer. */
async function batchResponse(c: Context<AppEnv>, idOrReference: string) {
  const q = validate(BatchQuery, c.req.query());
  const { row, rows, total } = await batchWithShipments(c, idOrReference, { page: q.shipments_page, limit: q.shipments_limit, status: q.shipments_status, tracking_status: q.shipments_tracking_status });
  return { ...presentBatch(c, row), shipments: page(rows.map((s) => presentShipment(c, s, q.include === "rates")), q.shipments_page, q.shipments_limit, total) };
}

/** Shipments from JSON `shipments` or a CSV `file`; the 10,000 limit answers 413 before anything else. */
export async function readShipments(c: Context<AppEnv>, opts: { fieldsSchema: z.ZodType; jsonSchema: z.ZodType }) {
  const body = await parseBody(c, { multipart: true });
  if (body.kind === "json") {
    const value = body.value as { shipments?: unknown };
    if (Array.isArray(value?.shipments) && value.shipments.length > MAX_SHIPMENTS) throw tooMany();
    const parsed = validate(opts.jsonSchema, value) as Record<string, unknown> & { shipments?: CsvRow["input"][] };
    const { shipments = [], ...fields } = parsed;
    return { via: "api" as const, fields, rows: shipments.map((input) => ({ input, errors: null })) };
  }
  const file = body.form.get("file");
  if (!file || typeof file === "string") {
    throw new ApiError("validation_failed", "Attach the CSV as a `file` field.", [{ path: "file", message: "Required" }]);
  }
  let csv: string;
  try {
    csv = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await file.arrayBuffer());
  } catch {
    throw new ApiError("invalid_csv", "The CSV file is not valid UTF-8 (save it from the spreadsheet as CSV UTF-8).");
  }
  const rows = parseShipmentsCsv(csv);
  if (rows.length > MAX_SHIPMENTS) throw tooMany();
  const raw: Record<string, unknown> = {};
  for (const [k, v] of body.form.entries()) if (k !== "file" && typeof v === "string") raw[k] = v;
  // A form field holds text: the carriers allow-list as "usps,ups".
  if (typeof raw.carriers === "string") raw.carriers = raw.carriers.split(",").map((c) => c.trim()).filter(Boolean);
  // Objects travel as JSON text in a form field.
  for (const field of ["metadata", "customs_defaults"]) {
    if (typeof raw[field] !== "string") continue;
    try {
      raw[field] = JSON.parse(raw[field] as string);
    } catch {
      throw new ApiError("validation_failed", "The request failed validation.", [{ path: field, message: "Must be a JSON object" }]);
    }
  }
  return { via: "file" as const, fields: validate(opts.fieldsSchema, raw) as Record<string, unknown>, rows };
}

const tooMany = () => new ApiError("payload_too_large", `A batch holds at most ${MAX_SHIPMENTS.toLocaleString("en-US")} shipments.`);

export function registerBatchRoutes(app: App) {
  route(app, createRoute({
    method: "post", path: "/v1/batches", operationId: "createBatch", tags: ["Batches"], summary: "Create a batch",
    description: "JSON with `shipments`, or `multipart/form-data` with a CSV `file` (then `via` is `file`; `GET /shipments-template.csv`, no key needed, is a file with every column and an example row). Validation and rating run asynchronously; the batch answers `validating`, or `ready` when empty.",
    request: {
      headers: IdempotencyKeyHeader,
      body: { content: {
        "application/json": { schema: BatchCreate },
        "multipart/form-data": { schema: z.object({ file: z.string().openapi({ format: "binary" }) }).passthrough() },
      } },
    },
    responses: { 202: json(Batch, "Accepted; validation runs in the background"), ...errorResponses(400, 409, 413, 415) },
  }), async (c) => {
    const { via, fields, rows } = await readShipments(c, { fieldsSchema: BatchCreateForm, jsonSchema: BatchCreate });
    const f = fields as z.infer<typeof BatchCreateForm>;
    const account = c.get("account");
    const now = nowIso();
    const row: BatchRow = {
      // With an Idempotency-Key the id is the one reserved with the key: a retry that takes over a dead
      // request's key creates nothing new and answers the batch the dead request made.
      id: c.get("idempotency")?.resource_id ?? newId("batch"), account_id: account.id, mode: account.mode, status: "validating",
      reference: f.reference ?? null, name: f.name ?? null, via,
      // A default service names its carrier.
      default_carrier: f.default_carrier ?? findService(f.default_service)?.carrier ?? null, default_service: f.default_service ?? null,
      max_delivery_days: f.max_delivery_days ?? null, carriers: f.carriers ? JSON.stringify(f.carriers) : null,
      label_format: f.label_format, label_layout: f.label_layout, metadata: JSON.stringify(f.metadata),
      customs_defaults: f.customs_defaults ? JSON.stringify(f.customs_defaults) : null,
      counts: JSON.stringify(emptyCounts()), total_cents: 0, currency: "USD", labels: "[]", label_sets: "[]", scan_form: null, rate_summary: "[]",
      created_at: now, updated_at: now, validated_at: null, purchased_at: null, completed_at: null,
      expires_at: addMs(now, EXPIRY_MS),
    };
    const created = unwrap(await batchObject(c.env, row.id).create(row, rows));
    return c.json(await batchResponse(c, created.row.id), 202);
  });

  route(app, createRoute({
    method: "get", path: "/v1/batches", operationId: "listBatches", tags: ["Batches"], summary: "List batches, newest first",
    description: "Lists (and `reference` look-ups elsewhere) read each batch's summary, which the batch brings up to date after the changes it commits: a change of `status` (and every event, and every credit) before that change answers. So a list may lag a batch's own `GET /v1/batches/{id}` in three ways only: while a batch validates, its `counts` here move when validation settles, not page by page; while it is bought or its files are written, `counts`, `total_amount` and `labels` here catch up at least once a second; and if a write fails (the summary store is briefly unavailable), the batch writes it again every 10 seconds until it lands. `GET /v1/batches/{id}` and its shipments are always current and always agree with each other.",
    request: { query: ListBatchesQuery },
    responses: { 200: json(listSchema(BatchSummary, "BatchList"), "A page of batch summaries"), ...errorResponses(400) },
  }), async (c) => {
    const q = validate(ListBatchesQuery, c.req.query());
    const { rows, total } = await listBatches(c.env.DB, c.get("account").id, q);
    return c.json(page(rows.map((r) => presentBatch(c, r)), q.page, q.limit, total));
  });

  route(app, createRoute({
    method: "get", path: "/v1/batches/{id}", operationId: "getBatch", tags: ["Batches"], summary: "Get a batch with a page of its shipments",
    request: { params: BatchIdParam, query: BatchQuery },
    responses: { 200: json(Batch, "The batch"), ...errorResponses(400, 404) },
  }), async (c) => {
    return c.json(await batchResponse(c, c.req.param("id")!));
  });

  route(app, createRoute({
    method: "post", path: "/v1/batches/{id}/cancel", operationId: "cancelBatch", tags: ["Batches"], summary: "Cancel a batch before purchase",
    request: { params: BatchIdParam, headers: IdempotencyKeyHeader },
    responses: { 200: json(BatchSummary, "The cancelled batch"), ...errorResponses(404, 409) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    await parseBody(c);
    return c.json(presentBatch(c, unwrap(await batchObject(c.env, row.id).cancel(row.id)).row));
  });

  route(app, createRoute({
    method: "post", path: "/v1/batches/{id}/purchase", operationId: "purchaseBatch", tags: ["Batches"], summary: "Buy every valid shipment",
    description: "Moves the batch to `purchasing` and queues one purchase per valid shipment. A `ready` batch is bought whole; an `invalid` one only with `skip_invalid: true`. Watch `counts` and `completion_percentage`, or the stream. Each purchase debits the prepaid balance; one that cannot be covered fails with `Insufficient prepay balance`. With `expected_amount`, a total that differs from the amount to be charged now is 409 `amount_changed` (its `details` name the current amount) and nothing is bought.",
    request: { params: BatchIdParam, headers: IdempotencyKeyHeader, body: { content: { "application/json": { schema: PurchaseBody } } } },
    responses: { 202: json(BatchSummary, "Accepted; purchases run in the background"), ...errorResponses(400, 404, 409, 415) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    const body = await jsonBody(c, PurchaseBody);
    const expected = body.expected_amount === undefined ? undefined : parseAmount(body.expected_amount);
    return c.json(presentBatch(c, unwrap(await batchObject(c.env, row.id).purchase(row.id, body.skip_invalid, c.get("idempotency")?.key, expected)).row), 202);
  });

  route(app, createRoute({
    method: "get", path: "/v1/batches/{id}/stream", operationId: "streamBatch", tags: ["Batches"], summary: "Watch a batch live (Server-Sent Events)",
    description: "`text/event-stream`: an `event: batch` with the status and counts at once, then one on every change, until the batch reaches a final status; then the stream closes. Comment lines keep it alive. With the API key, or with no key through the `url` of a stream token (`POST …/stream_token`), which is how a browser's `EventSource` (it cannot send a header) opens it; the token is checked when the stream opens. With a token, `{id}` is the batch id.",
    request: { params: BatchIdParam, query: SignedQuery },
    security: KEY_OR_SIGNED,
    responses: { 200: { description: "The event stream", content: { "text/event-stream": { schema: z.string() } } }, ...errorResponses(404) },
  }), async (c) => {
    const row = await batchByKeyOrLink(c, c.req.param("id")!);
    const res = await batchObject(c.env, row.id).fetch(new Request(`https://batch/stream?batch_id=${encodeURIComponent(row.id)}`));
    return new Response(res.body, { status: res.status, headers: res.headers });
  });

  route(app, createRoute({
    method: "post", path: "/v1/batches/{id}/stream_token", operationId: "createStreamToken", tags: ["Batches"], summary: "A short-lived link to the batch's stream, for a browser",
    description: "Answers a signed `url` of `GET /v1/batches/{id}/stream` that opens the stream without the API key for five minutes, and opens nothing else (not another batch, not a download). Ask for a new one to reconnect after it expires. The stream carries the batch's signed file links, so keep the token's link as private as those.",
    request: { params: BatchIdParam },
    responses: { 201: json(StreamToken, "The stream's signed link"), ...errorResponses(404) },
  }), async (c) => {
    const row = await ownedBatch(c, c.req.param("id")!);
    await parseBody(c);
    return c.json(presentStreamToken(c, row.id), 201);
  });

  // The CSV template (the dashboard links to it) is a public file, not an API operation: outside /v1,
  // no key, and named in createBatch's description rather than declared as an operation.
  app.get("/shipments-template.csv", (c) => c.body(CSV_TEMPLATE, 200, {
    "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="shipments-template.csv"', "cache-control": "public, max-age=3600",
  }));
}
