// Rate shopping: every service a parcel can take, with its price and delivery estimate, and the pick
// a strategy makes among them ("cheapest" within a delivery bound, or "fastest", ties by price).
// The sandbox prices and dates them here; live ratings bring the provider's prices and days, and the
// same picker chooses.
import type { StoredAddress, StoredParcel } from "../schemas/address";
import { sandboxRate, zoneBetween } from "./sandbox/rates";
import { deliveryRange, destinationGroup, scopeOf, SERVICES, type CarrierId, type ServiceSpec } from "./services";
import type { Alternative } from "./types";

export const STRATEGIES = ["cheapest", "fastest"] as const;
export type StrategyName = (typeof STRATEGIES)[number];
export type Strategy = { strategy: StrategyName; max_delivery_days: number | null; carriers: CarrierId[] | null };
export const isStrategy = (s: string | null | undefined): s is StrategyName => (STRATEGIES as readonly string[]).includes(s ?? "");

/** An alternative (carriers/types.ts) stored compactly on the shipment as [service, cents, days, date]. */
export type { Alternative };
export type StoredAlternative = [service: string, cents: number, days: number, date: string];
export const toStored = (a: Alternative): StoredAlternative => [a.service, a.cents, a.delivery_days, a.estimated_delivery_date];
export const fromStored = ([service, cents, delivery_days, estimated_delivery_date]: StoredAlternative): Alternative =>
  ({ service, cents, delivery_days, estimated_delivery_date });

/** Cheapest first; equal prices, the faster first. */
export const byPrice = (a: Alternative, b: Alternative) => a.cents - b.cents || a.delivery_days - b.delivery_days;

// US federal holidays on which carriers do not deliver, with the observed day when one falls on a weekend.
function nthWeekday(year: number, month: number, weekday: number, n: number): Date {
  const first = new Date(Date.UTC(year, month, 1));
  const offset = (weekday - first.getUTCDay() + 7) % 7;
  if (n > 0) return new Date(Date.UTC(year, month, 1 + offset + (n - 1) * 7));
  const last = new Date(Date.UTC(year, month + 1, 0));
  return new Date(Date.UTC(year, month, last.getUTCDate() - ((last.getUTCDay() - weekday + 7) % 7)));
}
const observed = (d: Date) => new Date(d.getTime() + (d.getUTCDay() === 6 ? -1 : d.getUTCDay() === 0 ? 1 : 0) * 86_400_000);
const holidayCache = new Map<number, Set<string>>();
export function federalHolidays(year: number): Set<string> {
  let set = holidayCache.get(year);
  if (!set) {
    const fixed = [[0, 1], [5, 19], [6, 4], [10, 11], [11, 25]].map(([m, d]) => observed(new Date(Date.UTC(year, m, d))));
    const floating = [nthWeekday(year, 0, 1, 3), nthWeekday(year, 1, 1, 3), nthWeekday(year, 4, 1, -1), nthWeekday(year, 8, 1, 1),
      nthWeekday(year, 9, 1, 2), nthWeekday(year, 10, 4, 4)];
    set = new Set([...fixed, ...floating].map((d) => d.toISOString().slice(0, 10)));
    holidayCache.set(year, set);
  }
  return set;
}

/** The date `days` delivery days after `from` (ISO): Sundays and US federal holidays are not delivery days. */
export function estimatedDelivery(from: string, days: number): string {
  // Every shipment of a batch asks the same few (day, days) pairs: a 10,000 batch asked 100,000 times.
  const key = `${from.slice(0, 10)} ${days}`;
  let date = deliveryDates.get(key);
  if (date === undefined) {
    if (deliveryDates.size > 1_000) deliveryDates.clear();
    deliveryDates.set(key, (date = countDeliveryDays(from, days)));
  }
  return date;
}
const deliveryDates = new Map<string, string>();

function countDeliveryDays(from: string, days: number): string {
  let d = new Date(`${from.slice(0, 10)}T00:00:00.000Z`);
  for (let left = days; left > 0;) {
    d = new Date(d.getTime() + 86_400_000);
    const iso = d.toISOString().slice(0, 10);
    if (d.getUTCDay() !== 0 && !federalHolidays(d.getUTCFullYear()).has(iso)) left--;
  }
  return d.toISOString().slice(0, 10);
}

/** Sandbox delivery days: ground services by zone (2 near, 5 across the country), the others as published. */
export function deliveryDays(spec: ServiceSpec, zone: number): number {
  if (spec.delivery_days === 5) return zone <= 2 ? 2 : zone <= 4 ? 3 : zone <= 6 ? 4 : 5;
  if (spec.delivery_days === 3) return zone <= 4 ? 2 : 3;
  return spec.delivery_days;
}

type Parcel = { [K in keyof StoredParcel]: number };

/** Why a service cannot take this parcel, or null when it can. */
export function unfit(spec: ServiceSpec, p: Parcel): string | null {
  if (p.weight_oz > spec.max_weight_oz) return `over the ${spec.max_weight_oz / 16} lb limit of ${spec.name}`;
  const [length, a, b] = [p.length_in, p.width_in, p.height_in].sort((x, y) => y - x);
  if (length > spec.max_length_in) return `longest side over the ${spec.max_length_in} in limit of ${spec.name}`;
  if (length + 2 * (a + b) > spec.max_length_plus_girth_in) return `length plus girth over the ${spec.max_length_plus_girth_in} in limit of ${spec.name}`;
  if (spec.max_sum_of_sides_in && length + a + b > spec.max_sum_of_sides_in) return `length + width + height over the ${spec.max_sum_of_sides_in} in limit of ${spec.name}`;
  return null;
}

/** The sandbox's alternatives: every service (of `carriers`, if given) that takes the parcel, cheapest first. */
export function sandboxAlternatives(from: StoredAddress, to: StoredAddress, parcel: Parcel, now: string, carriers: readonly string[] | null = null, valueCents = 0): Alternative[] {
  const scope = scopeOf(to.country);
  const zone = scope === "domestic" ? zoneBetween(from.zip!, to.zip!) : 0;
  const group = scope === "international" ? destinationGroup(to.country) : null;
  if (scope === "international" && group === null) return [];
  return SERVICES.filter((spec) => spec.scope === scope && (!carriers || carriers.includes(spec.carrier)) && !unfit(spec, parcel)
    && !(spec.max_value_cents && valueCents > spec.max_value_cents)).map((spec) => {
    const days = group === null ? deliveryDays(spec, zone) : deliveryRange(spec, group)[1];
    return { service: spec.id, cents: sandboxRate({ service: spec, from, to, parcel }).cents, delivery_days: days, estimated_delivery_date: estimatedDelivery(now, days) };
  }).sort(byPrice);
}

/** The strategy's pick among the alternatives, or why there is none. */
export function pick(strategy: Strategy, alternatives: readonly Alternative[], weightOz: number): { ok: true; choice: Alternative } | { ok: false; message: string } {
  const allowed = alternatives.filter((a) => !strategy.carriers || strategy.carriers.some((c) => a.service.startsWith(`${c}_`)));
  const lb = `${Math.round((weightOz / 16) * 100) / 100} lb`;
  const carriers = strategy.carriers ? ` (${strategy.carriers.join(", ")})` : "";
  if (!allowed.length) return { ok: false, message: `No service${carriers} takes this parcel of ${lb}` };
  const inTime = strategy.max_delivery_days === null ? allowed : allowed.filter((a) => a.delivery_days <= strategy.max_delivery_days!);
  if (!inTime.length) {
    const n = strategy.max_delivery_days!;
    return { ok: false, message: `No service${carriers} delivers within ${n} day${n === 1 ? "" : "s"} for ${lb} (the fastest takes ${Math.min(...allowed.map((a) => a.delivery_days))})` };
  }
  const sorted = [...inTime].sort(strategy.strategy === "fastest" ? (a, b) => a.delivery_days - b.delivery_days || a.cents - b.cents : byPrice);
  return { ok: true, choice: sorted[0] };
}
