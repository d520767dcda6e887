import { z } from "@hono/zod-openapi";

export function pageQuery(defaultLimit: number, maxLimit: number) {
  return z.object({
    page: z.coerce.number().int().min(1).default(1).openapi({ description: "1-based page number" }),
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit)
      .openapi({ description: `Items per page (max ${maxLimit})` }),
  });
}

export const PaginationSchema = z
  .object({ page: z.number().int(), limit: z.number().int(), total_count: z.number().int(), has_more: z.boolean() })
  .openapi("Pagination");

export function listSchema<T extends z.ZodType>(item: T, name: string) {
  return z.object({ data: z.array(item), pagination: PaginationSchema }).openapi(name);
}

export function page<T>(data: T[], page: number, limit: number, total: number) {
  return { data, pagination: { page, limit, total_count: total, has_more: page * limit < total } };
}
