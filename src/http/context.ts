import type { OpenAPIHono } from "@hono/zod-openapi";

export type Account = { id: string; mode: "test" | "live" };

export type AppEnv = {
  Bindings: Env;
  Variables: { requestId: string; account: Account; signed?: boolean; rawBody?: Uint8Array };
};

export type App = OpenAPIHono<AppEnv>;
