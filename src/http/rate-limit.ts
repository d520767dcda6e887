import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

const PERIOD_SECONDS = 10;

/** A budget per account (wrangler.toml `[[ratelimits]]`); signed downloads are not counted. */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const account = c.get("account");
  if (account && c.env.RATE_LIMITER) {
    const { success } = await c.env.RATE_LIMITER.limit({ key: account.id });
    if (!success) {
      throw new ApiError("rate_limited", `Too many requests for this account; retry after ${PERIOD_SECONDS} seconds.`, undefined,
        { "Retry-After": String(PERIOD_SECONDS) });
    }
  }
  await next();
};
