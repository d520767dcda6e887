import type { LabelData } from "../labels/label";
import type { StoredAddress, StoredParcel } from "../schemas/address";
import type { FieldErrors as ShipmentErrors } from "../lib/field-errors";
import type { CarrierId, ServiceSpec } from "./services";
import type { StoredCustoms } from "../schemas/customs";

import type { RefundStatus } from "./easypost/mapping";

export type ScanFormOutcome =
  | { status: "generating"; provider_id: string }
  | { status: "ready"; provider_id: string; pdf: Uint8Array }
  | { status: "failed"; provider_id: string | null; message: string };

/** One way to ship a parcel: a service, its price and delivery estimate (and, live, the provider's rate id). */
export type Alternative = { service: string; cents: number; delivery_days: number; estimated_delivery_date: string; provider_rate_id?: string };

export type RateRequest = { service: ServiceSpec; from: StoredAddress; to: StoredAddress; parcel: { [K in keyof StoredParcel]: number } };
export type Quote = { cents: number; currency: string };

export type PurchaseRequest = RateRequest & {
  idempotency_key: string; reference: string | null; attempt: number;
  /** Live: the provider's shipment and rate, stored when the shipment was rated. */
  provider_shipment_id?: string | null; provider_rate_id?: string | null;
  /** A buy may already have reached the provider (a retry, a re-send, a crash): read before buying. */
  buy_started?: boolean;
  /** The declared value to insure, in cents; null buys no insurance (not even an account's default). */
  insurance_cents?: number | null;
  /** An international shipment's declaration (its `eel_pfc` already derived); null at home. */
  customs?: StoredCustoms | null;
};
/** One fee a label was charged, named as the provider names it (`PostageFee`, `InsuranceFee`, `LabelFee`). */
export type Fee = { type: string; cents: number };
export type PurchaseOutcome =
  // The sandbox sells label data (drawn by us); a provider sells a document and says what it cost.
  // A provider's label comes with the fees it charged (their sum is what the merchant pays).
  | { ok: true; tracking_number: string; label?: LabelData; document?: Uint8Array; fees?: Fee[]; /** A provider's customs document (commercial invoice), kept beside the label. */ customs_document?: Uint8Array }
  | { ok: false; message: string; transient: boolean };

/** What a void found: a sold label is voided (sandbox) or its refund submitted (provider); a key never sold is left alone. */
export type VoidOutcome = { key: string; outcome: "voided" | "refund_submitted" | "not_sold" };

/** A live shipment rated by the provider: its shipment and the rate for our service, or why not. */
export type ProviderRating =
  // Every rate the provider offered for services we sell, and what it said of the carriers it did not rate.
  // `notes` name our carrier; `verified_to` is the destination as the provider verified it, when that differs.
  | { ok: true; provider_shipment_id: string; alternatives: Alternative[]; currency: string; notes: { carrier: string; message: string }[]; verified_to: StoredAddress | null }
  | { ok: false; transient: false; errors: ShipmentErrors }
  | { ok: false; transient: true; message: string };

export type RatingRequest = Omit<RateRequest, "service"> & { reference: string | null; now: string; customs?: StoredCustoms | null };

/**
 * What every carrier integration provides, chosen by the account's mode. `purchase` takes a consumer
 * batch's requests at once and must be idempotent per key: a repeated key returns the label already
 * bought, never a second one. A transient outcome is retried by the queue with backoff.
 */
export interface CarrierAdapter {
  /** The published rate card, synchronous: what validation shows until (live) the provider rates. */
  rate(req: RateRequest): Quote;
  /** Live only: the provider's own rating, which replaces the rate card's. */
  rateWithProvider?(requests: readonly RatingRequest[]): Promise<ProviderRating[]>;
  purchase(requests: readonly PurchaseRequest[]): Promise<PurchaseOutcome[]>;
  /** Why this carrier can sell nothing at all now (no key, a test key for live labels): purchases fail with it before any debit. */
  cannotBuy?: string;
  /** Voids whatever was sold under each key, once; safe for keys never bought. Throws if the carrier cannot be asked. */
  void(idempotencyKeys: readonly string[]): Promise<VoidOutcome[]>;
  /** Live only: one label's document in another format, fetched from the provider. */
  labelDocument?(idempotencyKey: string, format: "zpl" | "epl2"): Promise<Uint8Array>;
  /** Live only: where each submitted refund stands now, in the order asked. */
  refundStatus?(idempotencyKeys: readonly string[]): Promise<RefundStatus[]>;
  /**
   * Live only: the provider's manifest for these bought labels (one carrier). `previous` is the form a
   * request may already have made (followed, never made twice); a form is made later (`generating`,
   * asked again), or `ready` with its PDF, or `failed` with the provider's reason (never sent again).
   */
  scanForm?(idempotencyKeys: readonly string[], previous: { provider_id: string | null; posted: boolean }): Promise<ScanFormOutcome>;
  /**
   * A pickup in two steps, so money is taken between them: `quotePickup` asks what it costs (live: makes
   * the provider's pickup, kept by its id), `buyPickup` books it (a repeat for a pickup booked already
   * answers its confirmation). `cancelPickup` cancels a booked one (one cancelled already is fine).
   */
  quotePickup(req: PickupRequest): Promise<{ ok: true; provider_id: string; cents: number } | { ok: false; transient: boolean; message: string }>;
  buyPickup(req: PickupRequest, providerId: string): Promise<{ ok: true; confirmation: string } | { ok: false; transient: boolean; message: string }>;
  cancelPickup(req: PickupRequest, providerId: string): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Live only: the provider's trackers of these shipments (its tracker by id when known, else by its shipment); one it cannot read is left out. */
  trackers?(items: readonly { provider_shipment_id: string; tracker_id: string | null }[]): Promise<{ provider_shipment_id: string; tracker: ProviderTracker }[]>;
}

/** EasyPost's Tracker, as its `tracker.updated` events and `GET /trackers/{id}` carry it. */
export type ProviderTracker = {
  id: string; status: string; status_detail?: string | null; est_delivery_date?: string | null; updated_at: string;
  tracking_details?: { datetime: string; status: string; message?: string | null; tracking_location?: { city?: string | null; state?: string | null; country?: string | null } }[];
};

/** One pickup: a carrier's bought shipments (our keys) at one address, in a window. */
export type PickupRequest = {
  id: string; carrier: CarrierId; address: StoredAddress; shipment_keys: readonly string[];
  min_datetime: string; max_datetime: string; instructions: string | null;
};
