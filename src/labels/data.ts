import { findService } from "../carriers/services";
import { labelZone } from "../carriers/sandbox/rates";
import type { StoredAddress, StoredParcel } from "../schemas/address";
import type { LabelData } from "./label";
import type { StoredCustoms } from "../schemas/customs";
import { declarationOf } from "../batch/customs";

type Source = { service: string | null; from_address: StoredAddress; to_address: StoredAddress; parcel: StoredParcel; reference: string | null; customs?: StoredCustoms | null };

/** What a label shows, from a shipment and its tracking number: one mapping for every renderer. */
export function labelDataOf(s: Source, tracking: string, shipDate: string): LabelData {
  const spec = findService(s.service)!;
  return {
    tracking_number: tracking, carrier: spec.carrier, service: spec.id, service_name: spec.name,
    from: s.from_address, to: s.to_address, weight_oz: s.parcel.weight_oz ?? 0,
    zone: labelZone(s.from_address, s.to_address), ship_date: shipDate.slice(0, 10),
    reference: s.reference, customs: declarationOf(s),
  };
}
