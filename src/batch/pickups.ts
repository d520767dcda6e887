// Pickups for a batch: one per carrier and origin over its bought, not voided shipments, in a window
// the carrier can serve. Pure: the window's rules, the plan, and how a pickup is kept on the batch row.
import type { CarrierId } from "../carriers/services";
import { federalHolidays } from "../carriers/shopping";
import type { ManifestSource } from "../db/shipments";
import { newId } from "../lib/ids";

export type PickupStatus = "scheduling" | "scheduled" | "failed" | "cancelled";
export type StoredPickup = {
  id: string; carrier: CarrierId; origin: string; shipment_ids: string[]; min_datetime: string; max_datetime: string;
  instructions: string | null; status: PickupStatus; confirmation: string | null; cents: number | null; message: string | null;
  created_at: string;
  /** Live: EasyPost's pickup, kept before it is bought so a retry buys that one, never a second. */
  provider_id?: string;
};

export const storedPickups = (column: string | null | undefined): StoredPickup[] => (column ? JSON.parse(column) : []);

/**
 * How many days ahead each carrier books a pickup (its scheduling pages: USPS Package Pickup up to two
 * weeks, UPS On-Call up to ten days, FedEx up to five business days); the sandbox enforces the same.
 */
export const PICKUP_DAYS_AHEAD: Readonly<Record<CarrierId, number>> = { usps: 14, ups: 10, fedex: 5 };

const WHEN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The calendar day of an ISO 8601 time in its own offset: where the pickup happens. */
export const localDay = (iso: string) => iso.slice(0, 10);

/**
 * A window's problems by field (empty when it is good): both ends ISO 8601 with an offset, the start
 * in the future and before the end, no later than the farthest carrier allows, and on a day carriers
 * pick up (not a Sunday, not a US federal holiday).
 */
export function windowErrors(min: string, max: string, now: number, carriers: readonly CarrierId[]): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  for (const [path, v] of [["min_datetime", min], ["max_datetime", max]] as const) {
    if (!WHEN.test(v) || Number.isNaN(Date.parse(v))) errors.push({ path, message: "An ISO 8601 time with an offset, like 2026-12-07T09:00:00-05:00" });
  }
  if (errors.length) return errors;
  const start = Date.parse(min);
  const end = Date.parse(max);
  if (start <= now) errors.push({ path: "min_datetime", message: "Must be in the future" });
  if (end <= start) errors.push({ path: "max_datetime", message: "Must be after min_datetime" });
  for (const c of carriers) {
    const days = PICKUP_DAYS_AHEAD[c];
    if (end > now + days * 86_400_000) errors.push({ path: "max_datetime", message: `${c.toUpperCase()} books pickups at most ${days} days ahead` });
  }
  for (const [path, v] of [["min_datetime", min], ["max_datetime", max]] as const) {
    const day = localDay(v);
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    if (weekday === 0) errors.push({ path, message: `${day} is a Sunday: carriers do not pick up` });
    else if (federalHolidays(Number(day.slice(0, 4))).has(day)) errors.push({ path, message: `${day} is a US federal holiday: carriers do not pick up` });
  }
  return errors;
}

/** One pickup per carrier and origin over `rows` (bought, not voided), of the `carriers` asked for (all when null). */
export function planPickups(rows: readonly ManifestSource[], carriers: readonly CarrierId[] | null, window: { min_datetime: string; max_datetime: string; instructions: string | null }, now: string): StoredPickup[] {
  const groups = new Map<string, ManifestSource[]>();
  for (const r of rows) {
    if (carriers && !carriers.includes(r.carrier as CarrierId)) continue;
    const k = `${r.carrier}\u0000${r.from_address}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((group) => ({
    id: newId("pku"), carrier: group[0].carrier as CarrierId, origin: group[0].from_address, shipment_ids: group.map((r) => r.id),
    ...window, status: "scheduling", confirmation: null, cents: null, message: null, created_at: now,
  }));
}

/** A report about one pickup (pickups/work.ts). */
export type PickupChange =
  | { kind: "quoted"; provider_id: string; cents: number }
  | { kind: "scheduled"; confirmation: string }
  | { kind: "failed"; message: string }
  | { kind: "cancelled" };

/** The pickup after `change`, or null when the change does not follow from where it is (late, repeated). */
export function applyPickupChange(p: StoredPickup, change: PickupChange): StoredPickup | null {
  if (change.kind === "quoted") return p.status === "scheduling" && !p.provider_id ? { ...p, provider_id: change.provider_id, cents: change.cents } : null;
  if (change.kind === "scheduled") return p.status === "scheduling" ? { ...p, status: "scheduled", confirmation: change.confirmation } : null;
  if (change.kind === "failed") return p.status === "scheduling" ? { ...p, status: "failed", message: change.message } : null;
  return p.status === "scheduled" ? { ...p, status: "cancelled" } : null;
}
