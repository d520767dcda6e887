import { z } from "@hono/zod-openapi";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("Error");

export const Money = z.string().regex(/^-?\d+\.\d{2}$/).openapi({ example: "16.27" });
export const Timestamp = z.string().openapi({ example: "2026-04-01T10:00:00.000Z" });

export const Metadata = z
  .record(z.string().max(40), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .refine((m) => Object.keys(m).length <= 50, "At most 50 keys")
  .openapi("Metadata", { description: "Up to 50 keys of your own; returned as given." });

export const Mode = z.enum(["test", "live"]);

/** Responses every authenticated route can give, for the OpenAPI document. */
export function errorResponses(...codes: number[]) {
  const text: Record<number, string> = {
    400: "Invalid JSON or failed validation",
    401: "Missing, unknown or revoked API key",
    404: "No such object in this account",
    409: "The batch's state forbids this, or the Idempotency-Key was used with another body",
    413: "Body too large, or more than 10,000 shipments",
    415: "Neither JSON nor multipart CSV",
  };
  return Object.fromEntries(
    [401, ...codes].map((code) => [code, { description: text[code] ?? "Error", content: { "application/json": { schema: ErrorSchema } } }]),
  );
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
