// Signed download links: HMAC-SHA256 over the path and the expiry, so a link works without the API
// key until it expires and cannot be pointed at anything else. node:crypto keeps this synchronous,
// which lets the presenters sign while they build a response.
import { createHmac, timingSafeEqual } from "node:crypto";

export const LINK_TTL_MS = 7 * 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;

export type Linker = { base: string; secret: string };

export function linkerFor(env: Env, origin?: string): Linker {
  if (!env.LABEL_SIGNING_SECRET) throw new Error("LABEL_SIGNING_SECRET is not set");
  return { base: (env.PUBLIC_BASE_URL || origin || "").replace(/\/$/, ""), secret: env.LABEL_SIGNING_SECRET };
}

// A batch's links are the same for an hour, and a client polling the batch asks for them every few
// seconds: remembering them spares an HMAC per file per poll. Bounded, cleared when full.
const MACS_KEPT = 20_000;
const macs = new Map<string, string>();

function mac(secret: string, path: string, expires: number): string {
  const key = `${expires}\n${path}\n${secret}`;
  let m = macs.get(key);
  if (m === undefined) {
    m = createHmac("sha256", secret).update(`${path}\n${expires}`).digest("hex");
    if (macs.size >= MACS_KEPT) macs.clear();
    macs.set(key, m);
  }
  return m;
}

/**
 * A link valid for at least `ttlMs` (a week for downloads); a download's expiry is rounded up to the
 * hour so its links stay stable within it. Returns the link and its expiry (unix seconds).
 */
export function signed(linker: Linker, path: string, now = Date.now(), ttlMs = LINK_TTL_MS, roundMs = HOUR_MS) {
  const expires = Math.ceil((now + ttlMs) / roundMs) * (roundMs / 1000);
  return { url: `${linker.base}${path}?expires=${expires}&signature=${mac(linker.secret, path, expires)}`, expires };
}

export const signedUrl = (linker: Linker, path: string, now = Date.now()): string => signed(linker, path, now).url;

export function verifySignature(secret: string, path: string, expires: string | undefined, signature: string | undefined, now = Date.now()): boolean {
  if (!expires || !signature || !/^\d+$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) return false;
  if (Number(expires) * 1000 < now) return false;
  return timingSafeEqual(Buffer.from(mac(secret, path, Number(expires)), "hex"), Buffer.from(signature, "hex"));
}
