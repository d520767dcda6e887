// The carriers and services the platform sells, with the limits a parcel must meet. Weights in
// ounces, lengths in inches; prices in cents. Figures follow the carriers' published retail limits.
export type CarrierId = "usps" | "ups" | "fedex";

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
  delivery_days: number;
};

const usps = { carrier: "usps", max_weight_oz: 70 * 16, max_length_in: 108, dim_divisor: 166, dim_min_cubic_in: 1728 } as const;
const ups = { carrier: "ups", max_weight_oz: 150 * 16, max_length_in: 108, max_length_plus_girth_in: 165, dim_divisor: 139, dim_min_cubic_in: 0 } as const;
const fedex = { carrier: "fedex", max_weight_oz: 150 * 16, max_length_in: 108, max_length_plus_girth_in: 165, dim_divisor: 139, dim_min_cubic_in: 0 } as const;

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
];

export const CARRIER_IDS = ["usps", "ups", "fedex"] as const;
export const CARRIER_NAMES: Record<CarrierId, string> = { usps: "USPS", ups: "UPS", fedex: "FedEx" };
export const SERVICE_IDS = SERVICES.map((s) => s.id) as [string, ...string[]];

const byId = new Map(SERVICES.map((s) => [s.id, s]));
export const findService = (id: string | null | undefined): ServiceSpec | undefined => (id ? byId.get(id) : undefined);
