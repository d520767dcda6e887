import type { MiddlewareHandler } from "hono";
import * as store from "../db/idempotency";
import { sha256Hex } from "../lib/hash";
import { DAY_MS } from "../lib/time";
import { rawBody, isMultipart } from "./body";
import { ApiError } from "./errors";
import type { AppEnv } from "./context";

/**
 * `Idempotency-Key` on POSTs: the first request claims the key before it runs, so a concurrent or
 * later repeat can never run the action again; it gets the first response back instead.
 */
export const idempotency: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (c.req.method !== "POST" || key === undefined) return next();
  if (key.length < 1 || key.length > 255) {
    throw new ApiError("validation_failed", "Idempotency-Key must be 1 to 255 characters.", [
      { path: "Idempotency-Key", message: "Must be 1 to 255 characters" },
    ]);
  }
  const account = c.get("account");
  const hash = requestHash(c.req.method, new URL(c.req.url).pathname, c.req.header("content-type") ?? "", await rawBody(c));

  const claimed = await store.claim(c.env.DB, account.id, key, hash, Date.now() - DAY_MS);
  if (!claimed) {
    const prior = await store.find(c.env.DB, account.id, key);
    if (!prior || prior.request_hash !== hash) {
      throw new ApiError("idempotency_key_reused", "This Idempotency-Key was used with another request.");
    }
    if (prior.response_status === null) {
      throw new ApiError("request_in_progress", "A request with this Idempotency-Key is still in progress; retry shortly.");
    }
    return new Response(prior.response_body, {
      status: prior.response_status,
      headers: { "content-type": "application/json; charset=utf-8", "idempotent-replayed": "true" },
    });
  }

  try {
    await next();
  } catch (err) {
    await store.release(c.env.DB, account.id, key);
    throw err;
  }
  // Server errors are not remembered: the client should be able to retry them with the same key.
  if (c.res.status >= 500) await store.release(c.env.DB, account.id, key);
  else await store.complete(c.env.DB, account.id, key, c.res.status, await c.res.clone().text());
};

function requestHash(method: string, path: string, type: string, body: Uint8Array): string {
  let text = new TextDecoder().decode(body);
  // A multipart boundary is random per send; the same file sent again must hash the same.
  const boundary = isMultipart(type) ? /boundary="?([^";]+)"?/i.exec(type)?.[1] : undefined;
  if (boundary) text = text.split(boundary).join("");
  return sha256Hex(`${method} ${path}\n${text}`);
}
