import type { RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { App, AppEnv } from "./context";

/**
 * Declares a route in the OpenAPI document and mounts its handler in one place. Bodies and queries are
 * read by `parseBody`/`validate` in the handler (not by zod-openapi's validators) so that every failure
 * gets this API's own error code: invalid_json, 415, 413 and validation_failed.
 */
export function route(app: App, config: RouteConfig, handler: (c: Context<AppEnv>) => Promise<Response> | Response) {
  app.openAPIRegistry.registerPath(config);
  app.on(config.method.toUpperCase(), config.path.replace(/\{(\w+)\}/g, ":$1"), handler);
}
