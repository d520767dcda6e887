import type { MiddlewareHandler } from "hono";
import { findKey } from "../db/accounts";
import { sha256Hex } from "../lib/hash";
import { verifySignature } from "../labels/links";
import { ApiError } from "./errors";
import type { AppEnv } from "./context";

/** The key from `Bearer <key>` or from HTTP Basic with the key as user name and an empty password. */
export function keyFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return null;
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    try {
      const decoded = atob(value);
      const colon = decoded.indexOf(":");
      return colon === -1 ? decoded : decoded.slice(0, colon);
    } catch {
      return null;
    }
  }
  return null;
}

export const requireAccount: MiddlewareHandler<AppEnv> = async (c, next) => {
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
  const found = await findKey(c.env.DB, await sha256Hex(key));
  if (!found) throw new ApiError("unauthorized", "This API key is unknown or has been revoked.");
  c.set("account", { id: found.account_id, mode: found.mode });
  await next();
};
