// The dashboard's one way to the API: the typed client (src/client, generated from /openapi.json),
// with every failure turned into a Problem that the page shows in words next to what caused it.
import { batchLabelsClient } from "../client";
import type { components } from "../client/schema";

type S = components["schemas"];
export type Account = S["Account"];
export type Batch = S["Batch"];
export type BatchSummary = S["BatchSummary"];
export type BatchStatus = S["BatchStatus"];
export type Shipment = S["BatchShipment"];
export type ShipmentStatus = S["ShipmentStatus"];
export type ShipmentPatch = S["ShipmentPatch"];
export type Carrier = S["Carrier"];
export type Client = ReturnType<typeof batchLabelsClient>;

export const BATCH_STATUSES: BatchStatus[] = ["validating", "invalid", "ready", "purchasing", "generating_labels", "completed", "purchase_failed", "timed_out", "cancelled", "expired"];
export const FINAL_STATUSES: BatchStatus[] = ["completed", "purchase_failed", "timed_out", "cancelled", "expired"];
export const SHIPMENT_STATUSES: ShipmentStatus[] = ["validating", "valid", "invalid", "queued", "purchased", "purchase_failed", "voided"];

export type Detail = { path: string; message: string };

/** An error the API answered (its code, message and details), or a network failure, in words. */
export class Problem extends Error {
  constructor(readonly code: string, message: string, readonly details: Detail[] = [], readonly status = 0) {
    super(message);
  }
}

export const clientFor = (key: string): Client => batchLabelsClient({ baseUrl: location.origin, key });

/** The data of a 2xx answer; anything else throws a Problem. */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let res: { data?: T; error?: unknown; response: Response };
  try {
    res = await request;
  } catch {
    throw new Problem("network", "The service could not be reached. Check the connection and try again.");
  }
  if (!res.response.ok || res.error !== undefined) {
    const body = res.error as { error?: { code?: string; message?: string; details?: Detail[] } } | undefined;
    throw new Problem(body?.error?.code ?? `http_${res.response.status}`, body?.error?.message ?? `The service answered ${res.response.status}.`, body?.error?.details ?? [], res.response.status);
  }
  return res.data as T;
}

/**
 * A signed link of this service, on the page's own origin: the signature covers the path only, and
 * PUBLIC_BASE_URL may name another host for the same Worker (127.0.0.1 when the page is on localhost),
 * which the page's CSP (connect-src 'self') and a download link's `download` would not follow.
 */
export function onThisOrigin(url: string): string {
  const u = new URL(url, location.href);
  return `${u.pathname}${u.search}`;
}

export const asProblem = (e: unknown): Problem => (e instanceof Problem ? e : new Problem("internal", e instanceof Error ? e.message : String(e)));

/** A fresh key for a POST, so that a repeated click or a retried request does the action once. */
export const idempotencyKey = () => `dashboard-${crypto.randomUUID()}`;

/** "16.27" → 1627: amounts are compared in cents, never as floats. */
export function cents(amount: string): number {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(amount);
  if (!m) return NaN;
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number(m[3]));
}

export function money(amount: string | number, currency = "USD"): string {
  const value = typeof amount === "number" ? amount / 100 : Number(amount);
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(value);
}
