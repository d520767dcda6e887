import { OpenAPIHono } from "@hono/zod-openapi";
import { DOCS_CSP, DOCS_HTML } from "./docs/page";
import { HTTPException } from "hono/http-exception";
import { requireAccount } from "./http/auth";
import type { AppEnv } from "./http/context";
import { ApiError } from "./http/errors";
import { idempotency } from "./http/idempotency";
import { rateLimit } from "./http/rate-limit";
import { requestFinished, requestStarted } from "./lib/foreground";
import { newId } from "./lib/ids";
import { registerAccountRoutes } from "./routes/account";
import { registerBatchRoutes } from "./routes/batches";
import { registerCarrierRoutes } from "./routes/carriers";
import { registerEventRoutes } from "./routes/events";
import { registerLabelRoutes } from "./routes/labels";
import { registerPickupRoutes } from "./routes/pickups";
import { registerProviderRoutes } from "./routes/providers";
import { registerWebhookRoutes } from "./routes/webhooks";
import { registerShipmentRoutes } from "./routes/shipments";
import { registerWebhooks, TAGS } from "./routes/webhook-events";

export function buildApp() {
  // strict: false serves /v1/batches/ as /v1/batches (a trailing slash is not another resource).
  const app = new OpenAPIHono<AppEnv>({ strict: false });

  app.use("*", async (c, next) => {
    c.set("requestId", newId("req"));
    // Until the handler has its response (a stream's body is not waited for), background work yields.
    requestStarted();
    try {
      await next();
    } finally {
      requestFinished();
    }
    c.header("X-Request-Id", c.get("requestId"));
    if (c.res.headers.get("content-type") === "application/json") c.header("content-type", "application/json; charset=utf-8");
    // Label files are text/plain with user text in them (ZPL): no browser may guess another type.
    c.header("X-Content-Type-Options", "nosniff");
    // Everything under /v1 is an account's own (balances, addresses, labels): no shared cache keeps it.
    if (new URL(c.req.url).pathname.startsWith("/v1/") && !c.res.headers.has("cache-control")) c.header("Cache-Control", "no-store");
  });

  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? newId("req");
    let error: ApiError;
    if (err instanceof ApiError) error = err;
    else if (err instanceof HTTPException && err.status < 500) error = new ApiError("validation_failed", err.message || "Bad request.");
    else {
      console.error(requestId, err);
      error = new ApiError("internal_error", `Something went wrong on our side; quote request id ${requestId}.`);
    }
    return c.json(error.toBody(), error.status, { ...error.headers, "X-Request-Id": requestId, "content-type": "application/json; charset=utf-8" });
  });

  app.notFound((c) => {
    const allowed = allowedMethods(app, new URL(c.req.url).pathname);
    const error = allowed.length
      ? new ApiError("method_not_allowed", `${c.req.method} is not allowed here; use ${allowed.join(", ")}.`)
      : new ApiError("not_found", `No route ${c.req.method} ${new URL(c.req.url).pathname}.`);
    return c.json(error.toBody(), error.status, allowed.length ? { Allow: allowed.join(", ") } : {});
  });

  app.get("/health", (c) => c.json({ ok: true }));

  app.use("/v1/*", requireAccount, rateLimit, idempotency);
  registerBatchRoutes(app);
  registerShipmentRoutes(app);
  registerAccountRoutes(app);
  registerCarrierRoutes(app);
  registerEventRoutes(app);
  registerLabelRoutes(app);
  registerPickupRoutes(app);
  registerProviderRoutes(app);
  registerWebhookRoutes(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http", scheme: "bearer", description: "`Authorization: Bearer sk_test_…` (or `sk_live_…`). A revoked key stops working within 10 seconds.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "basic", {
    type: "http", scheme: "basic", description: "HTTP Basic with the key as user name and an empty password (`curl -u sk_test_…:`).",
  });
  registerWebhooks(app);
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "Batch label API", version: "1.0.0", license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
      description: "Validate, rate and buy shipping labels in batches of up to 10,000, and download merged label files. Errors always have the shape `{ error: { code, message, details? } }`; every response carries `X-Request-Id`.",
    },
    servers: [{ url: new URL(c.req.url).origin, description: "This server" }],
    tags: TAGS,
    security: [{ bearer: [] }, { basic: [] }] as Record<string, string[]>[],
  }));
  // The reference page loads nothing from outside (src/docs/page.ts), and says so in its CSP.
  app.get("/docs", (c) => c.html(DOCS_HTML, 200, {
    "content-security-policy": DOCS_CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY",
  }));
  return app;
}

/** Methods registered for a path, so an unknown method on a known path answers 405 rather than 404. */
function allowedMethods(app: OpenAPIHono<AppEnv>, path: string): string[] {
  const methods = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL" || r.path.includes("*")) continue;
    const pattern = new RegExp(`^${r.path.replace(/:[^/]+/g, "[^/]+")}/?$`);
    if (pattern.test(path)) methods.add(r.method);
  }
  return [...methods];
}
