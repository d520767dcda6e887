import { createRoute, z } from "@hono/zod-openapi";
import { CARRIER_IDS, CARRIER_NAMES, SERVICES } from "../carriers/services";
import type { App } from "../http/context";
import { route } from "../http/route";
import { formatCents } from "../lib/money";
import { json } from "../schemas/common";
import { errorResponses } from "../http/openapi";

const Service = z.object({
  id: z.string(), name: z.string(), max_weight_oz: z.number(), max_length_in: z.number(),
  max_length_plus_girth_in: z.number(), dim_divisor: z.number(), delivery_days: z.number(), starting_rate: z.string(),
}).openapi("CarrierService");
const Carrier = z.object({ id: z.string(), object: z.literal("carrier"), name: z.string().openapi({ example: "USPS" }), services: z.array(Service) }).openapi("Carrier");

export function registerCarrierRoutes(app: App) {
  route(app, createRoute({
    method: "get", path: "/v1/carriers", operationId: "listCarriers", tags: ["Carriers"], summary: "Carriers and services this account can buy, with their limits",
    responses: { 200: json(z.object({ data: z.array(Carrier) }), "Carriers"), ...errorResponses() },
  }), (c) =>
    c.json({
      data: CARRIER_IDS.map((id) => ({
        id, object: "carrier" as const, name: CARRIER_NAMES[id],
        services: SERVICES.filter((s) => s.carrier === id).map((s) => ({
          id: s.id, name: s.name, max_weight_oz: s.max_weight_oz, max_length_in: s.max_length_in,
          max_length_plus_girth_in: s.max_length_plus_girth_in, dim_divisor: s.dim_divisor,
          delivery_days: s.delivery_days, starting_rate: formatCents(s.base_cents),
        })),
      })),
    }));
}
