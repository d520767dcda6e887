import type { StoredAddress, StoredParcel } from "../schemas/address";
import type { ServiceSpec } from "./services";

export type RateRequest = { service: ServiceSpec; from: StoredAddress; to: StoredAddress; parcel: Required<{ [K in keyof StoredParcel]: number }> };
export type Quote = { cents: number; currency: string };

/** What every carrier integration provides; chosen by the shipment's carrier and the account's mode. */
export interface CarrierAdapter {
  rate(req: RateRequest): Quote;
}
