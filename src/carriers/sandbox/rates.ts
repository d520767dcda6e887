import { destinationGroup, GROUP_PRICE_FACTOR } from "../services";
import type { Quote, RateRequest } from "../types";

/** USPS-style zones 1–8 from the distance between 3-digit ZIP prefixes; deterministic, no tables. */
export function zoneBetween(fromZip: string, toZip: string): number {
  const d = Math.abs(Number(fromZip.slice(0, 3)) - Number(toZip.slice(0, 3)));
  const bounds = [10, 50, 100, 200, 350, 500, 700];
  const i = bounds.findIndex((b) => d < b);
  return i === -1 ? 8 : i + 1;
}

/** A label's zone: ZIP to ZIP at home; abroad there is none (0). */
export const labelZone = (from: { zip: string | null }, to: { zip: string | null; country: string }) =>
  (to.country === "US" ? zoneBetween(from.zip ?? "00000", to.zip ?? "00000") : 0);

/** Billable pounds: the greater of actual and dimensional weight, rounded up to a whole pound. */
export function billablePounds(req: RateRequest): number {
  const { weight_oz, length_in, width_in, height_in } = req.parcel;
  const actual = weight_oz / 16;
  const cubic = length_in * width_in * height_in;
  const dim = cubic > req.service.dim_min_cubic_in ? cubic / req.service.dim_divisor : 0;
  return Math.max(1, Math.ceil(Math.max(actual, dim) - 1e-9));
}

export function sandboxRate(req: RateRequest): Quote {
  if (req.service.scope === "international") {
    // Abroad, by destination group instead of zone (services.ts); a country no group holds is refused before.
    const group = destinationGroup(req.to.country) ?? 8;
    const lb = billablePounds(req);
    return { cents: Math.round((req.service.base_cents + req.service.per_lb_cents * (lb - 1)) * GROUP_PRICE_FACTOR[group]), currency: "USD" };
  }
  const zone = zoneBetween(req.from.zip!, req.to.zip!);
  const lb = billablePounds(req);
  // Price grows with weight beyond the first pound and by 12% a zone, like a retail rate card.
  const cents = Math.round((req.service.base_cents + req.service.per_lb_cents * (lb - 1)) * (1 + 0.12 * (zone - 1)));
  return { cents, currency: "USD" };
}
