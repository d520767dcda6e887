import type { OpenAPIHono } from "@hono/zod-openapi";

export type Account = { id: string; mode: "test" | "live" };

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string; account: Account; signed?: boolean; rawBody?: Uint8Array;
    /** Set for a request with an Idempotency-Key: the key's hash, the id reserved with it, and whether this request took over a dead one's. */
    idempotency?: { key: string; resource_id: string; taken_over: boolean };
  };
};

export type App = OpenAPIHono<AppEnv>;
