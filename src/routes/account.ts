import { createRoute, z } from "@hono/zod-openapi";
import { getAccount } from "../db/accounts";
import type { App } from "../http/context";
import { notFound } from "../http/errors";
import { route } from "../http/route";
import { formatCents } from "../lib/money";
import { json, Mode, Money } from "../schemas/common";
import { errorResponses } from "../http/openapi";

const Account = z.object({ id: z.string(), object: z.literal("account"), mode: Mode, balance: Money, currency: z.string() })
  .openapi("Account");

export function registerAccountRoutes(app: App) {
  route(app, createRoute({
    method: "get", path: "/v1/account", operationId: "getAccount", tags: ["Account"], summary: "The key's account and its prepaid balance",
    responses: { 200: json(Account, "The account"), ...errorResponses() },
  }), async (c) => {
    const { id, mode } = c.get("account");
    const account = await getAccount(c.env.DB, id);
    if (!account) throw notFound("account");
    return c.json({ id, object: "account" as const, mode, balance: formatCents(account.balance_cents), currency: account.currency });
  });
}
