// What the OpenAPI document says about errors, parameters and headers, built from the same tables and
// schemas the handlers use, so the document cannot drift from what the service answers.
import { z, type RouteConfig } from "@hono/zod-openapi";
import { ErrorSchema } from "../schemas/common";
import { ERROR_STATUS, type ErrorCode } from "./errors";

/** `{id}` of a batch route: a batch id, or a reference (the newest batch with it). */
export const BatchIdParam = z.object({
  id: z.string().min(1).max(100).openapi({ param: { name: "id", in: "path" }, description: "A batch id (`batch_…`), or a reference: the newest batch with it", example: "batch_01JQ…" }),
});
export const ShipmentParams = BatchIdParam.extend({
  shipment_id: z.string().min(1).max(100).openapi({ param: { name: "shipment_id", in: "path" }, example: "shp_01JQ…" }),
});
export const IdempotencyKeyHeader = z.object({
  "Idempotency-Key": z.string().min(1).max(255).optional().openapi({
    param: { name: "Idempotency-Key", in: "header" },
    description: "A repeat with the same key and body within 24 h returns the first response and does nothing twice; the same key with another body is 409 `idempotency_key_reused`. While the first request runs, a repeat is 409 `request_in_progress`. A request whose server died holds its key for 20 s at most: a repeat after that takes the key over and finishes the work once (a create answers the batch the first request made, a purchase the purchase it started).",
  }),
});

/** Downloads and the stream work with the API key, or with no key through a signed link. */
export const KEY_OR_SIGNED: Record<string, string[]>[] = [{ bearer: [] }, { basic: [] }, {}];
export const SignedQuery = z.object({
  expires: z.string().optional().openapi({ description: "From a signed link: unix seconds" }),
  signature: z.string().optional().openapi({ description: "From a signed link: works without the API key" }),
});

const RequestId = { description: "This request's id (also in every 500's message)", schema: { type: "string" as const, example: "req_01JQ…" } };
const RetryAfter = { description: "Seconds to wait before trying again", schema: { type: "integer" as const } };

const WHEN: Record<number, string> = {
  400: "The body or a parameter cannot be read or fails the schema",
  401: "No key, an unknown key or a revoked key",
  404: "No such object in this account (another account's objects answer this too)",
  405: "The route exists, with other methods",
  409: "The batch's state forbids the action, or the Idempotency-Key was used with another request",
  413: "Body over 20 MB, or more than 10,000 shipments in a batch",
  415: "Neither JSON nor multipart with a CSV file",
  429: "Over the account's request budget",
  500: "Something failed on our side",
};

/** One error status as the document declares it: the codes it can carry (from ERROR_STATUS) and its headers. */
export function errorResponse(status: number) {
  const codes = (Object.entries(ERROR_STATUS) as [ErrorCode, number][]).filter(([, s]) => s === status).map(([c]) => `\`${c}\``);
  return {
    description: `${WHEN[status] ?? "Error"} (code ${codes.join(", ")})`,
    headers: { "X-Request-Id": RequestId, ...(status === 429 ? { "Retry-After": RetryAfter } : {}) },
    content: { "application/json": { schema: ErrorSchema } },
  };
}

export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, errorResponse(s)]));

/**
 * Every route's responses as it really answers: its own, plus 401 (authenticated routes), 429 and 500
 * always, 400 when it reads a body, parameters or a query, and 413/415 when it reads a body. Every
 * response carries X-Request-Id.
 */
export function withStandardResponses(config: RouteConfig, authenticated: boolean): RouteConfig["responses"] {
  const statuses = [429, 500];
  if (authenticated) statuses.push(401);
  const req = config.request ?? {};
  if (req.body || req.query || req.params || req.headers) statuses.push(400);
  if (req.body) statuses.push(413, 415);
  const out: RouteConfig["responses"] = {};
  for (const [status, response] of Object.entries(config.responses)) {
    out[status] = { ...response, headers: { "X-Request-Id": RequestId, ...((response as { headers?: object }).headers ?? {}) } } as never;
  }
  for (const s of statuses) out[s] ??= errorResponse(s);
  return out;
}
