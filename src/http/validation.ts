import type { z } from "@hono/zod-openapi";
import type { ErrorDetail } from "./errors";

export function zodDetails(error: z.ZodError, prefix = ""): ErrorDetail[] {
  return error.issues.slice(0, 100).map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join("."),
    message: issue.message,
  }));
}
