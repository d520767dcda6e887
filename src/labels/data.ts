import { findService } from "../carriers/services";
import { zoneBetween } from "../carriers/sandbox/rates";
import type { StoredAddress, StoredParcel } from "../schemas/address";
import type { LabelData } from "./label";

type Source = { service: string | null; from_address: StoredAddress; to_address: StoredAddress; parcel: StoredParcel; reference: string | null };

/** What a label shows, from a shipment and its tracking number: one mapping for every renderer. */
export function labelDataOf(s: Source, tracking: string, shipDate: string): LabelData {
  const spec = findService(s.service)!;
  return {
    tracking_number: tracking, carrier: spec.carrier, service: spec.id, service_name: spec.name,
    from: s.from_address, to: s.to_address, weight_oz: s.parcel.weight_oz ?? 0,
    zone: zoneBetween(s.from_address.zip ?? "00000", s.to_address.zip ?? "00000"), ship_date: shipDate.slice(0, 10),
    reference: s.reference,
  };
}
