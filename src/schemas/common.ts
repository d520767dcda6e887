import { z } from "@hono/zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "../http/errors";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]).openapi({ example: "validation_failed" }),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("Error");

export const Money = z.string().regex(/^-?\d+\.\d{2}$/).openapi({ example: "16.27" });
export const Timestamp = z.string().openapi({ format: "date-time", example: "2026-04-01T10:00:00.000Z" });
export const Url = z.string().openapi({ format: "uri" });

export const Metadata = z
  .record(z.string().max(40), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .refine((m) => Object.keys(m).length <= 50, "At most 50 keys")
  .openapi("Metadata", { description: "Up to 50 keys of your own; returned as given." });

export const Mode = z.enum(["test", "live"]);

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
