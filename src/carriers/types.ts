import type { LabelData } from "../labels/draw";
import type { StoredAddress, StoredParcel } from "../schemas/address";
import type { ServiceSpec } from "./services";

export type RateRequest = { service: ServiceSpec; from: StoredAddress; to: StoredAddress; parcel: { [K in keyof StoredParcel]: number } };
export type Quote = { cents: number; currency: string };

export type PurchaseRequest = RateRequest & { reference: string | null };
export type Purchased = { ok: true; tracking_number: string; label: LabelData };
export type Declined = { ok: false; message: string };

/** A failure worth retrying (timeouts, 5xx): the queue retries the message with backoff. */
export class TransientCarrierError extends Error {}

/**
 * What every carrier integration provides, chosen by the shipment's carrier and the account's mode.
 * `purchase` must be idempotent: the same key returns the label already bought, never a second one.
 */
export interface CarrierAdapter {
  rate(req: RateRequest): Quote;
  purchase(idempotencyKey: string, req: PurchaseRequest): Promise<Purchased | Declined>;
  void(idempotencyKey: string): Promise<void>;
}
