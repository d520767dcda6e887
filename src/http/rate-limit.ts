import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

const PERIOD_SECONDS = 10;

/** A budget per account (wrangler.toml `[[ratelimits]]`); signed downloads are not counted. */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const account = c.get("account");
  if (!account || !c.env.RATE_LIMITER) return next();
  const counted = c.env.RATE_LIMITER.limit({ key: account.id });
  // A read changes nothing, so it runs while the limiter answers and its result is dropped if over
  // budget; that saves a polling client one round trip. A write waits for the verdict.
  const read = c.req.method === "GET" || c.req.method === "HEAD";
  const handled = read ? next() : null;
  const { success } = await counted;
  if (!success) {
    await handled?.catch(() => undefined);
    throw new ApiError("rate_limited", `Too many requests for this account; retry after ${PERIOD_SECONDS} seconds.`, undefined,
      { "Retry-After": String(PERIOD_SECONDS) });
  }
  await (handled ?? next());
};
