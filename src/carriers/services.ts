// The carriers and services the platform sells, with the limits a parcel must meet. Weights in
// ounces, lengths in inches; prices in cents. Figures follow the carriers' published retail limits.
import { countries } from "countries-list";

export type CarrierId = "usps" | "ups" | "fedex";
export type Scope = "domestic" | "international";

export type ServiceSpec = {
  id: string;
  carrier: CarrierId;
  name: string;
  max_weight_oz: number;
  max_length_in: number;
  max_length_plus_girth_in: number;
  /** Divisor for dimensional weight (cubic inches per pound); USPS applies it only over one cubic foot. */
  dim_divisor: number;
  dim_min_cubic_in: number;
  base_cents: number;
  per_lb_cents: number;
  /** Domestic: the published days. International: the end of the published range (what a bound compares). */
  delivery_days: number;
  scope: Scope;
  /** International: the start of the published range, before the destination group's extra days. */
  delivery_days_min?: number;
  /** Length + width + height, for the services that limit it instead of (or besides) length plus girth. */
  max_sum_of_sides_in?: number;
  /** International: the most a declared shipment may be worth (USPS First-Class Package International: $400). */
  max_value_cents?: number;
};

const usps = { scope: "domestic", carrier: "usps", max_weight_oz: 70 * 16, max_length_in: 108, dim_divisor: 166, dim_min_cubic_in: 1728 } as const;
const ups = { scope: "domestic", carrier: "ups", max_weight_oz: 150 * 16, max_length_in: 108, max_length_plus_girth_in: 165, dim_divisor: 139, dim_min_cubic_in: 0 } as const;
const fedex = { scope: "domestic", carrier: "fedex", max_weight_oz: 150 * 16, max_length_in: 108, max_length_plus_girth_in: 165, dim_divisor: 139, dim_min_cubic_in: 0 } as const;

export const SERVICES: readonly ServiceSpec[] = [
  { ...usps, id: "usps_ground_advantage", name: "USPS Ground Advantage", max_length_plus_girth_in: 130, base_cents: 525, per_lb_cents: 95, delivery_days: 5 },
  { ...usps, id: "usps_priority", name: "USPS Priority Mail", max_length_plus_girth_in: 108, base_cents: 850, per_lb_cents: 160, delivery_days: 3 },
  { ...usps, id: "usps_priority_express", name: "USPS Priority Mail Express", max_length_plus_girth_in: 108, base_cents: 2875, per_lb_cents: 310, delivery_days: 1 },
  { ...ups, id: "ups_ground", name: "UPS Ground", base_cents: 1045, per_lb_cents: 120, delivery_days: 5 },
  { ...ups, id: "ups_2nd_day_air", name: "UPS 2nd Day Air", base_cents: 2150, per_lb_cents: 290, delivery_days: 2 },
  { ...ups, id: "ups_next_day_air", name: "UPS Next Day Air", base_cents: 4475, per_lb_cents: 520, delivery_days: 1 },
  { ...fedex, id: "fedex_ground", name: "FedEx Ground", base_cents: 1030, per_lb_cents: 118, delivery_days: 5 },
  { ...fedex, id: "fedex_2day", name: "FedEx 2Day", base_cents: 2095, per_lb_cents: 285, delivery_days: 2 },
  { ...fedex, id: "fedex_standard_overnight", name: "FedEx Standard Overnight", base_cents: 4290, per_lb_cents: 505, delivery_days: 1 },
  // International, from the US. Limits as published: First-Class Package International 4 lb, longest
  // side 24 in, length + width + height 36 in, $400 declared; Priority Mail (Express) International
  // 70 lb, 79 in, 108 in length plus girth; UPS and FedEx 150 lb, 108 in, 165 in.
  // Prices are the group 1 (Canada) prices; other destination groups cost more (destinationGroup()).
  { ...usps, scope: "international", id: "usps_first_class_international", name: "USPS First-Class Package International", max_weight_oz: 64, max_length_in: 24, max_length_plus_girth_in: 108, max_sum_of_sides_in: 36, base_cents: 1695, per_lb_cents: 420, delivery_days_min: 7, delivery_days: 21, max_value_cents: 40_000 },
  { ...usps, scope: "international", id: "usps_priority_international", name: "USPS Priority Mail International", max_length_in: 79, max_length_plus_girth_in: 108, base_cents: 4625, per_lb_cents: 480, delivery_days_min: 6, delivery_days: 10 },
  { ...usps, scope: "international", id: "usps_priority_express_international", name: "USPS Priority Mail Express International", max_length_in: 79, max_length_plus_girth_in: 108, base_cents: 5995, per_lb_cents: 560, delivery_days_min: 3, delivery_days: 5 },
  { ...ups, scope: "international", id: "ups_worldwide_saver", name: "UPS Worldwide Saver", base_cents: 8250, per_lb_cents: 690, delivery_days_min: 1, delivery_days: 3 },
  { ...ups, scope: "international", id: "ups_worldwide_expedited", name: "UPS Worldwide Expedited", base_cents: 6475, per_lb_cents: 560, delivery_days_min: 2, delivery_days: 5 },
  { ...fedex, scope: "international", id: "fedex_international_priority", name: "FedEx International Priority", base_cents: 8390, per_lb_cents: 700, delivery_days_min: 1, delivery_days: 3 },
  { ...fedex, scope: "international", id: "fedex_international_economy", name: "FedEx International Economy", base_cents: 6690, per_lb_cents: 575, delivery_days_min: 2, delivery_days: 5 },
];

export const CARRIER_IDS = ["usps", "ups", "fedex"] as const;
export const CARRIER_NAMES: Record<CarrierId, string> = { usps: "USPS", ups: "UPS", fedex: "FedEx" };
export const SERVICE_IDS = SERVICES.map((s) => s.id) as [string, ...string[]];

const byId = new Map(SERVICES.map((s) => [s.id, s]));
export const findService = (id: string | null | undefined): ServiceSpec | undefined => (id ? byId.get(id) : undefined);

/** Whether an address is abroad: origins are in the US, and every other country is international. */
export const scopeOf = (country: string | null | undefined): Scope => (!country || country === "US" ? "domestic" : "international");

/**
 * The sandbox's destination groups, the way carriers price by zone abroad: 1 Canada, 2 Mexico, 3 the
 * rest of North and Central America and the Caribbean, 4 Europe, 5 Asia, 6 Oceania, 7 South America,
 * 8 Africa. Continents come from the registry's `countries-list`; Antarctica (and an unknown code) has
 * no group: no service reaches it.
 */
export function destinationGroup(country: string): number | null {
  if (country === "CA") return 1;
  if (country === "MX") return 2;
  const continent = (countries as Record<string, { continent: string }>)[country]?.continent;
  return ({ NA: 3, EU: 4, AS: 5, OC: 6, SA: 7, AF: 8 } as Record<string, number>)[continent ?? ""] ?? null;
}

/** What each group costs against group 1, and the days it adds to a service's range. */
export const GROUP_PRICE_FACTOR = [0, 1, 1.12, 1.25, 1.42, 1.55, 1.6, 1.7, 1.85] as const;
export const groupExtraDays = (group: number) => (group <= 2 ? 0 : group <= 4 ? 1 : 2);

/** The published range of delivery days of an international service to a group. */
export const deliveryRange = (spec: ServiceSpec, group: number): [number, number] =>
  [(spec.delivery_days_min ?? spec.delivery_days) + groupExtraDays(group), spec.delivery_days + groupExtraDays(group)];
