// A bought sandbox parcel's journey, deterministic for its shipment id: label created, accepted at the
// origin, through one to three hubs, out for delivery, then delivered, or (a configurable share)
// an exception: a failed attempt, held for pickup, or returned to sender. Times are hours of simulated
// time after the purchase; `SANDBOX_TRACKING_SPEED` multiplies how fast simulated time runs.
import { sha256Bytes } from "../../lib/hash";
import { lookupZip } from "../../lib/us-zips";
import type { StoredAddress } from "../../schemas/address";

export const TRACKING_STATUSES = ["pre_transit", "in_transit", "out_for_delivery", "delivered", "available_for_pickup", "return_to_sender", "failure", "unknown"] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];
/** Where a parcel's story ends: nothing follows these. */
export const FINAL_TRACKING: readonly TrackingStatus[] = ["delivered", "return_to_sender", "failure"];

export type Scan = { hours: number; status: TrackingStatus; detail: string; message: string; city: string | null; state: string | null; country: string };

const HUBS: [string, string][] = [["Memphis", "TN"], ["Louisville", "KY"], ["Indianapolis", "IN"], ["Chicago", "IL"], ["Denver", "CO"], ["Dallas", "TX"], ["Atlanta", "GA"], ["Salt Lake City", "UT"]];

/** The place of an address for a scan: its ZIP's city and state at home, its own city abroad. */
function place(a: StoredAddress): [string | null, string | null, string] {
  if (a.country === "US" && a.zip) {
    const z = lookupZip(a.zip);
    if (z) return [z.city, z.state, "US"];
  }
  return [a.city, a.state, a.country];
}

/**
 * The parcel's scans, in order. `exceptionRate` (0–1) is the share whose story ends in an exception;
 * which one, and every time and hub, come from the shipment id's hash.
 */
export function sandboxStory(shipmentId: string, from: StoredAddress, to: StoredAddress, deliveryDays: number, exceptionRate: number): Scan[] {
  const h = sha256Bytes(`tracking:${shipmentId}`);
  const frac = (i: number) => h[i % 32] / 256;
  const [fc, fs, fcountry] = place(from);
  const [tc, ts, tcountry] = place(to);
  const scans: Scan[] = [{ hours: 0, status: "pre_transit", detail: "label_created", message: "Shipping label created, awaiting item", city: fc, state: fs, country: fcountry }];
  let t = 4 + Math.floor(frac(0) * 16);
  scans.push({ hours: t, status: "in_transit", detail: "arrived_at_facility", message: "Accepted at origin facility", city: fc, state: fs, country: fcountry });
  const total = Math.max(1, deliveryDays) * 24;
  const hubs = 1 + (h[1] % 3);
  for (let i = 0; i < hubs; i++) {
    t += Math.max(2, Math.floor(((total - 30) / (hubs + 1)) * (0.6 + frac(2 + i) * 0.8)));
    const [city, state] = HUBS[h[5 + i] % HUBS.length];
    scans.push({ hours: t, status: "in_transit", detail: "arrived_at_facility", message: `Arrived at hub, ${city}`, city, state, country: "US" });
  }
  // Out for delivery on the morning of the last day, never before the last hub.
  t = Math.max(t + 4, total - 10);
  scans.push({ hours: t, status: "out_for_delivery", detail: "out_for_delivery", message: "Out for delivery", city: tc, state: ts, country: tcountry });
  t += 3 + Math.floor(frac(9) * 6);
  const exceptional = frac(10) + frac(11) / 256 < exceptionRate;
  if (!exceptional) {
    scans.push({ hours: t, status: "delivered", detail: "arrived_at_destination", message: "Delivered, front door", city: tc, state: ts, country: tcountry });
    return scans;
  }
  const kind = h[12] % 3;
  if (kind === 0) {
    scans.push({ hours: t, status: "failure", detail: "delivery_exception", message: "Delivery attempted: no access to delivery location", city: tc, state: ts, country: tcountry });
  } else if (kind === 1) {
    scans.push({ hours: t, status: "available_for_pickup", detail: "held_at_facility", message: "Delivery attempted; held for pickup at the local post office", city: tc, state: ts, country: tcountry });
    scans.push({ hours: t + 30, status: "delivered", detail: "arrived_at_destination", message: "Picked up at the post office", city: tc, state: ts, country: tcountry });
  } else {
    scans.push({ hours: t, status: "in_transit", detail: "address_problem", message: "Addressee unknown; returning to sender", city: tc, state: ts, country: tcountry });
    scans.push({ hours: t + 48, status: "return_to_sender", detail: "return_to_sender", message: "Returned to sender", city: fc, state: fs, country: fcountry });
  }
  return scans;
}
