import { createRoute, z } from "@hono/zod-openapi";
import { CARRIER_IDS, CARRIER_NAMES, SERVICES } from "../carriers/services";
import type { App } from "../http/context";
import { route } from "../http/route";
import { formatCents } from "../lib/money";
import { json } from "../schemas/common";
import { errorResponses } from "../http/openapi";

const Service = z.object({
  id: z.string(), name: z.string(), max_weight_oz: z.number(), max_length_in: z.number(),
  max_length_plus_girth_in: z.number(), dim_divisor: z.number(),
  scope: z.enum(["domestic", "international"]).openapi({ description: "`domestic`: US addresses only; `international`: any other country (origins are in the US)" }),
  delivery_days: z.number().openapi({ description: "Domestic: the published days. International: the end of the published range to Canada and Mexico (farther destination groups add one or two days)" }),
  delivery_days_min: z.number().openapi({ description: "The start of the range (equal to `delivery_days` for a domestic service)" }),
  max_sum_of_sides_in: z.number().nullable().openapi({ description: "Length + width + height limit, for the services that have one" }),
  max_declared_value: z.string().nullable().openapi({ description: "The most a shipment's declared customs value may be (USD), for the services that limit it" }),
  starting_rate: z.string().openapi({ description: "Domestic: the price of one pound to the nearest zone. International: one pound to Canada" }),
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
          scope: s.scope, delivery_days: s.delivery_days, delivery_days_min: s.delivery_days_min ?? s.delivery_days,
          max_sum_of_sides_in: s.max_sum_of_sides_in ?? null, max_declared_value: s.max_value_cents ? formatCents(s.max_value_cents) : null,
          starting_rate: formatCents(s.base_cents),
        })),
      })),
    }));
}
