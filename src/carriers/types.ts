import type { LabelData } from "../labels/draw";
import type { StoredAddress, StoredParcel } from "../schemas/address";
import type { ServiceSpec } from "./services";

export type RateRequest = { service: ServiceSpec; from: StoredAddress; to: StoredAddress; parcel: { [K in keyof StoredParcel]: number } };
export type Quote = { cents: number; currency: string };

export type PurchaseRequest = RateRequest & { idempotency_key: string; reference: string | null; attempt: number };
export type PurchaseOutcome =
  | { ok: true; tracking_number: string; label: LabelData }
  | { ok: false; message: string; transient: boolean };

/** What a void found: a label the carrier had sold is voided; a key it never sold a label for is left alone. */
export type VoidOutcome = { key: string; outcome: "voided" | "not_sold" };

/**
 * What every carrier integration provides, chosen by the shipment's carrier and the account's mode.
 * `purchase` takes a consumer batch's requests at once (carriers' batch endpoints, one round trip
 * for ours) and must be idempotent per key: a repeated key returns the label already bought, never a
 * second one. A transient outcome is retried by the queue with backoff.
 */
export interface CarrierAdapter {
  rate(req: RateRequest): Quote;
  purchase(requests: readonly PurchaseRequest[]): Promise<PurchaseOutcome[]>;
  /** Voids whatever was sold under each key, once; safe for keys never bought. Throws if the carrier cannot be asked. */
  void(idempotencyKeys: readonly string[]): Promise<VoidOutcome[]>;
}
