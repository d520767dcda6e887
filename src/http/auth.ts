import type { MiddlewareHandler } from "hono";
import { findKey, type KeyRow } from "../db/accounts";
import { sha256Hex } from "../lib/hash";
import { verifySignature } from "../labels/links";
import { ApiError } from "./errors";
import type { AppEnv } from "./context";

/**
 * The key from `Bearer <key>` or from HTTP Basic with the key as user name and an empty password
 * (`curl -u sk_…:`). Anything else in the header (a second token, a password) makes it no key at all.
 */
export function keyFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2) return null;
  const [scheme, value] = parts;
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    try {
      const decoded = atob(value);
      const colon = decoded.indexOf(":");
      return colon !== -1 && colon === decoded.length - 1 ? decoded.slice(0, colon) : null;
    } catch {
      return null;
    }
  }
  return null;
}

// Every request needs its key's account, and keys change rarely, so an isolate remembers a found key
// for a few seconds: a polling client then costs no D1 read for auth. A revoked key therefore stops
// working within KEY_CACHE_MS. Unknown keys are not remembered, so guessing cannot fill the cache.
export const KEY_CACHE_MS = 10_000;
const MAX_CACHED_KEYS = 10_000;
const keyCache = new Map<string, { row: KeyRow; until: number }>();

async function lookupKey(db: D1Database, hash: string): Promise<KeyRow | null> {
  const hit = keyCache.get(hash);
  if (hit && hit.until > Date.now()) return hit.row;
  const row = await findKey(db, hash);
  if (!row) keyCache.delete(hash);
  else {
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
    keyCache.set(hash, { row, until: Date.now() + KEY_CACHE_MS });
  }
  return row;
}

export const requireAccount: MiddlewareHandler<AppEnv> = async (c, next) => {
  // A provider's push is signed by the provider (routes/providers.ts checks it), not by one of our keys.
  if (c.req.method === "POST" && c.req.path === "/v1/providers/easypost/events") return next();
  // A signed download link stands in for the key. Only download paths are ever signed, and the
  // signature covers the exact path, so it opens nothing else.
  if (c.req.method === "GET" && c.req.query("signature") !== undefined) {
    if (!c.env.LABEL_SIGNING_SECRET || !verifySignature(c.env.LABEL_SIGNING_SECRET, new URL(c.req.url).pathname, c.req.query("expires"), c.req.query("signature"))) {
      throw new ApiError("unauthorized", "This link is invalid or has expired.");
    }
    c.set("signed", true);
    return next();
  }
  const key = keyFromHeader(c.req.header("authorization"));
  if (!key || !/^sk_(test|live)_[A-Za-z0-9]+$/.test(key)) {
    throw new ApiError("unauthorized", "Provide a valid API key as `Authorization: Bearer sk_…`.");
  }
  const found = await lookupKey(c.env.DB, sha256Hex(key));
  if (!found) throw new ApiError("unauthorized", "This API key is unknown or has been revoked.");
  c.set("account", { id: found.account_id, mode: found.mode });
  await next();
};
