import type { RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { App, AppEnv } from "./context";
import { withStandardResponses } from "./openapi";

/**
 * Declares a route in the OpenAPI document and mounts its handler in one place. Bodies and queries are
 * read by `parseBody`/`validate` in the handler (not by zod-openapi's validators) so that every failure
 * gets this API's own error code: invalid_json, 415, 413 and validation_failed. Every route has a
 * stable `operationId` (what generated clients name their methods) and the error responses it can
 * really give (openapi.ts).
 */
export function route(app: App, config: RouteConfig & { operationId: string }, handler: (c: Context<AppEnv>) => Promise<Response> | Response) {
  // Every /v1 route can answer 401: a signed download with a bad or expired signature too.
  app.openAPIRegistry.registerPath({ ...config, responses: withStandardResponses(config, true) });
  app.on(config.method.toUpperCase(), config.path.replace(/\{(\w+)\}/g, ":$1"), handler);
}
