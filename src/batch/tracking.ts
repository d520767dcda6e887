// A bought shipment's tracking, and the batch's summary of it. Pure: what a sandbox parcel's story
// says by now, what a provider's tracker update changes (never moving a tracker back), which status
// changes a client is told of (one event each, in order), and the summary's shape.
import { FINAL_TRACKING, sandboxStory, type Scan, type TrackingStatus } from "../carriers/sandbox/tracking-story";
import type { StoredAddress } from "../schemas/address";
import type { ProviderTracker } from "../carriers/types";
export type { ProviderTracker } from "../carriers/types";
import { findService } from "../carriers/services";
import { deliveryDays } from "../carriers/shopping";
import { labelZone } from "../carriers/sandbox/rates";

export type TrackingEvent = { at: string; status: TrackingStatus; message: string; city: string | null; state: string | null; country: string | null };
export type StoredTracking = {
  status: TrackingStatus; status_detail: string | null; est_delivery_date: string | null; updated_at: string;
  /** Newest first. */
  events: TrackingEvent[];
  /** Live: EasyPost's tracker, asked by the sweep. */
  tracker_id?: string | null;
};

/**
 * Scans that fall due within this long of each other are applied as one page: at 5,000× simulated
 * time thousands of parcels' scans are milliseconds apart, and a turn of the object for each would
 * hold it from the reads. A second is nothing in a parcel's story of days.
 */
export const TRACKING_TICK_MS = 1_000;
/** How often a live tracker with no news is asked about (EasyPost pushes; this catches a lost push). */
export const TRACKING_SWEEP_MS = 24 * 3_600_000;
/** The statuses counted as exceptions: the merchant hears of them before the customer calls. */
export const EXCEPTIONS: readonly TrackingStatus[] = ["failure", "return_to_sender", "available_for_pickup"];

export type TrackingSource = { id: string; purchased_at: string; from_address: StoredAddress; to_address: StoredAddress; delivery_days: number; tracking: StoredTracking | null };
export type Advance = { tracking: StoredTracking; next_at: number | null; changes: TrackingStatus[] };

/** The statuses passed through, in order, from `from` over `scans` (repeats collapsed). */
function transitions(from: TrackingStatus | null, statuses: readonly TrackingStatus[]): TrackingStatus[] {
  const out: TrackingStatus[] = [];
  let at = from;
  for (const s of statuses) if (s !== at) out.push((at = s));
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A sandbox parcel at `now`: every scan of its story whose simulated time has come (simulated hours
 * run `speed` times as fast as real ones since the purchase), and when (real time) the next is due.
 */
export function advanceSandbox(s: TrackingSource, now: number, speed: number, exceptionRate: number): Advance {
  const story = sandboxStory(s.id, s.from_address, s.to_address, s.delivery_days, exceptionRate);
  const start = Date.parse(s.purchased_at);
  const realAt = (scan: Scan) => start + (scan.hours * 3_600_000) / speed;
  const seen = story.filter((scan) => realAt(scan) <= now);
  const shown = seen.length ? seen : story.slice(0, 1);
  const last = shown.at(-1)!;
  const next = story[shown.length];
  const delivered = story.at(-1)!;
  const tracking: StoredTracking = {
    status: last.status, status_detail: last.detail,
    est_delivery_date: FINAL_TRACKING.includes(last.status) ? null : iso(realAt(delivered)).slice(0, 10),
    updated_at: iso(realAt(last)),
    events: shown.map((scan) => ({ at: iso(realAt(scan)), status: scan.status, message: scan.message, city: scan.city, state: scan.state, country: scan.country })).reverse(),
  };
  // Only the scans new since what is held can change the status: the story before them was told already.
  const held = s.tracking?.events.length ?? 1;
  return { tracking, next_at: next ? realAt(next) : null, changes: transitions(s.tracking?.status ?? "pre_transit", shown.slice(held).map((x) => x.status)) };
}


const KNOWN: readonly string[] = ["pre_transit", "in_transit", "out_for_delivery", "delivered", "available_for_pickup", "return_to_sender", "failure", "unknown"];
const statusOf = (s: string): TrackingStatus => (KNOWN.includes(s) ? (s as TrackingStatus) : "unknown");

/** A provider's tracker applied to what we hold: null when it is not newer (an old event never moves a tracker back). */
export function applyProviderTracker(stored: StoredTracking | null, t: ProviderTracker): Advance | null {
  if (stored && Date.parse(t.updated_at) <= Date.parse(stored.updated_at)) return null;
  const details = [...(t.tracking_details ?? [])].sort((a, b) => Date.parse(a.datetime) - Date.parse(b.datetime));
  const tracking: StoredTracking = {
    status: statusOf(t.status), status_detail: t.status_detail ?? null, est_delivery_date: t.est_delivery_date?.slice(0, 10) ?? null,
    updated_at: t.updated_at, tracker_id: t.id,
    events: details.map((d) => ({
      at: d.datetime, status: statusOf(d.status), message: d.message ?? "", city: d.tracking_location?.city ?? null,
      state: d.tracking_location?.state ?? null, country: d.tracking_location?.country ?? null,
    })).reverse(),
  };
  const final = FINAL_TRACKING.includes(tracking.status);
  return { tracking, next_at: final ? null : Date.parse(t.updated_at) + TRACKING_SWEEP_MS, changes: transitions(stored?.status ?? null, [tracking.status]) };
}

export type TrackingSummary = {
  counts: Partial<Record<TrackingStatus, number>>; tracked: number; delivered_percentage: number;
  exceptions: { shipment_id: string; position: number; reference: string | null; status: TrackingStatus; message: string | null }[];
};

/** The summary from the per-status counts of the tracked (bought, not voided) shipments and the first exceptions. */
export function summarize(counts: readonly { tracking_status: TrackingStatus; n: number }[], exceptions: TrackingSummary["exceptions"]): TrackingSummary {
  const byStatus = Object.fromEntries(counts.map((c) => [c.tracking_status, c.n])) as TrackingSummary["counts"];
  const tracked = counts.reduce((a, c) => a + c.n, 0);
  return { counts: byStatus, tracked, delivered_percentage: tracked ? Math.floor(((byStatus.delivered ?? 0) * 100) / tracked) : 0, exceptions };
}

/** A tracked shipment's move between statuses: `from` null, newly tracked; `to` null, tracked no more (voided). */
export type TrackingMove = { from: TrackingStatus | null; to: TrackingStatus | null };

/**
 * The summary after these moves, its counts kept without reading the batch again (a page of 100 scans
 * would otherwise count 10,000 rows). Its exceptions are the caller's to read again when
 * `movesExceptions` says a move entered or left one.
 */
export function moveSummary(s: TrackingSummary, moves: readonly TrackingMove[]): TrackingSummary {
  const counts: Partial<Record<TrackingStatus, number>> = { ...s.counts };
  let tracked = s.tracked;
  for (const { from, to } of moves) {
    if (from === to) continue;
    if (from) {
      const left = (counts[from] ?? 0) - 1;
      if (left > 0) counts[from] = left;
      else delete counts[from];
    } else tracked++;
    if (to) counts[to] = (counts[to] ?? 0) + 1;
    else tracked--;
  }
  return { ...s, counts, tracked, delivered_percentage: tracked ? Math.floor(((counts.delivered ?? 0) * 100) / tracked) : 0 };
}

/** Whether any move entered or left an exception: only then is the summary's list of them read again. */
export const movesExceptions = (moves: readonly TrackingMove[]) =>
  moves.some(({ from, to }) => from !== to && ((from && EXCEPTIONS.includes(from)) || (to && EXCEPTIONS.includes(to))));

/** Every tracked shipment has arrived: delivered, or back with its sender. */
export const allArrived = (s: TrackingSummary) => s.tracked > 0 && (s.counts.delivered ?? 0) + (s.counts.return_to_sender ?? 0) === s.tracked;

/** A shipment as the tracking timer reads it (object-sql.ts `dueTracking`). */
export type TrackedRow = {
  id: string; position: number; reference: string | null; tracking_number: string | null; service: string | null; purchased_at: string;
  from_address: string; to_address: string; provider_shipment_id: string | null; tracking: string | null;
  /** The status the summary counts it in (`pre_transit` from its purchase). */
  tracking_status: TrackingStatus | null;
};

/** A row's tracking column (JSON, or empty before its first update). */
export const parseTracking = (text: string | null): StoredTracking | null => (text ? (JSON.parse(text) as StoredTracking | null) : null);

/** The story's inputs from a row: addresses, and the days its service takes (by zone at home). */
export function sourceOf(s: TrackedRow): TrackingSource {
  const from = JSON.parse(s.from_address) as StoredAddress;
  const to = JSON.parse(s.to_address) as StoredAddress;
  const spec = findService(s.service);
  const days = spec ? (spec.scope === "international" ? spec.delivery_days : deliveryDays(spec, labelZone(from, to))) : 3;
  return { id: s.id, purchased_at: s.purchased_at, from_address: from, to_address: to, delivery_days: days, tracking: parseTracking(s.tracking) };
}

/** How fast the sandbox's simulated time runs (SANDBOX_TRACKING_SPEED, default 1) and the share of stories ending in an exception. */
export function trackingSwitches(env: { SANDBOX_TRACKING_SPEED?: string; SANDBOX_TRACKING_EXCEPTION_RATE?: string }) {
  const speed = Number(env.SANDBOX_TRACKING_SPEED);
  const rate = Number(env.SANDBOX_TRACKING_EXCEPTION_RATE);
  return { speed: Number.isFinite(speed) && speed > 0 ? speed : 1, exceptionRate: Number.isFinite(rate) && rate >= 0 ? Math.min(1, rate) : 0.03 };
}

/** The earliest a story's second scan comes (accepted at the origin, 4 simulated hours at least), in real ms. */
export const firstScanMs = (s: { speed: number }) => (4 * 3_600_000) / s.speed;

/** The summary with `n` more labels bought, each `pre_transit` (no other count moves). */
export function bumpPreTransit(column: string | null | undefined, n: number): TrackingSummary {
  const s: TrackingSummary = column ? JSON.parse(column) : { counts: {}, tracked: 0, delivered_percentage: 0, exceptions: [] };
  const counts = { ...s.counts, pre_transit: (s.counts.pre_transit ?? 0) + n };
  const tracked = s.tracked + n;
  return { ...s, counts, tracked, delivered_percentage: tracked ? Math.floor(((counts.delivered ?? 0) * 100) / tracked) : 0 };
}
