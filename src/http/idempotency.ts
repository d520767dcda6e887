import type { MiddlewareHandler } from "hono";
import * as store from "../db/idempotency";
import { sha256Hex } from "../lib/hash";
import { DAY_MS } from "../lib/time";
import { newId } from "../lib/ids";
import { rawBody, isMultipart } from "./body";
import { ApiError } from "./errors";
import type { AppEnv } from "./context";

/** How long a request holds its key without renewing it: a retry takes over a key whose request died after this. */
export const IDEMPOTENCY_LEASE_MS = 20_000;

/**
 * `Idempotency-Key` on POSTs: the first request claims the key before it runs, so a concurrent or
 * later repeat can never run the action again; it gets the first response back instead. The claim is
 * a lease the request renews while it runs: a request that died (its server killed) leaves a lease
 * that runs out, and a retry of the same request then takes the key over. The resource the key made
 * (a batch's id) is reserved with the key, so the retry finds what the dead request made.
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

  const now = Date.now();
  const claimed = await store.claim(c.env.DB, account.id, key, hash, now - DAY_MS, now, now + IDEMPOTENCY_LEASE_MS, newId("batch"));
  if (claimed.outcome === "held") {
    const prior = claimed.row;
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
  c.set("idempotency", { key: hashKey(account.id, key), resource_id: claimed.resource_id, taken_over: claimed.outcome === "taken_over" });

  // Renewed while the request runs, so only a dead request's lease runs out.
  const renewal = setInterval(() => { store.renew(c.env.DB, account.id, key, Date.now() + IDEMPOTENCY_LEASE_MS).catch(() => {}); }, IDEMPOTENCY_LEASE_MS / 4);
  try {
    await next();
  } catch (err) {
    await store.release(c.env.DB, account.id, key);
    throw err;
  } finally {
    clearInterval(renewal);
  }
  // Server errors are not remembered: the client should be able to retry them with the same key.
  if (c.res.status >= 500) await store.release(c.env.DB, account.id, key);
  else await store.complete(c.env.DB, account.id, key, c.res.status, await c.res.clone().text());
};

/** The key as the batch's object records it: a request that started a purchase is known by it. */
const hashKey = (accountId: string, key: string) => sha256Hex(`${accountId}\n${key}`);

function requestHash(method: string, path: string, type: string, body: Uint8Array): string {
  let text = new TextDecoder().decode(body);
  // A multipart boundary is random per send; the same file sent again must hash the same.
  const boundary = isMultipart(type) ? /boundary="?([^";]+)"?/i.exec(type)?.[1] : undefined;
  if (boundary) text = text.split(boundary).join("");
  return sha256Hex(`${method} ${path}\n${text}`);
}
