// Turns what a client sent (JSON shipments or CSV rows) into shipment records ready to store.
import { findService, type CarrierId } from "../carriers/services";
import { isStrategy, type Strategy } from "../carriers/shopping";
import type { ShipmentRecord } from "../db/shipments";
import { newId } from "../lib/ids";
import { parseAmount } from "../lib/money";
import { normalizeAddress, normalizeParcel } from "../schemas/address";
import type { ShipmentErrors, ShipmentIn } from "../schemas/shipment";
import { normalizeCustoms, type CustomsDefaultsIn, type StoredCustoms } from "../schemas/customs";
import { scopeOf } from "../carriers/services";

export type Defaults = { default_carrier: string | null; default_service: string | null; max_delivery_days?: number | null; carriers?: string | null; customs_defaults?: string | null };

const customsDefaults = (d: Defaults): CustomsDefaultsIn | null => (d.customs_defaults ? JSON.parse(d.customs_defaults) : null);

/**
 * The declaration kept: what the shipment says over the batch's defaults, for an international
 * destination or whenever the shipment gave one; null for a domestic shipment that gave none.
 */
function customsFor(given: ShipmentIn["customs"] | undefined, country: string, d: Defaults, base: StoredCustoms | null): StoredCustoms | null {
  if (!given && !base && scopeOf(country) === "domestic") return null;
  return normalizeCustoms(given, customsDefaults(d), base);
}
export type Owner = { batch_id: string; account_id: string };

type ServiceAsk = { carrier?: string | null; service?: string | null; max_delivery_days?: number | null; carriers?: string[] | null };

/**
 * A shipment inherits the batch's default service unless it names one; a service alone implies its
 * carrier, and a carrier alone takes the default service only if that service is the carrier's. A
 * strategy ("cheapest", "fastest") leaves the service to validation, bounded by the shipment's own
 * `max_delivery_days` and `carriers` or else the batch's (a named carrier alone bounds it to itself).
 */
export function resolveService(input: ServiceAsk, d: Defaults): { carrier: string | null; service: string | null; service_strategy: Strategy | null } {
  const carrier = input.carrier ?? null;
  let service = input.service ?? null;
  if (!service) {
    const fallback = findService(d.default_service);
    if (!carrier || fallback?.carrier === carrier || isStrategy(d.default_service)) service = d.default_service;
  }
  if (isStrategy(service)) {
    const batchCarriers = d.carriers ? (JSON.parse(d.carriers) as CarrierId[]) : null;
    return {
      carrier, service: null,
      service_strategy: {
        strategy: service, max_delivery_days: input.max_delivery_days ?? d.max_delivery_days ?? null,
        carriers: (input.carriers as CarrierId[] | null | undefined) ?? (carrier ? [carrier as CarrierId] : batchCarriers),
      },
    };
  }
  return { carrier: carrier ?? findService(service)?.carrier ?? d.default_carrier, service, service_strategy: null };
}

export function toRecord(
  input: ShipmentIn, position: number, owner: Owner, defaults: Defaults, now: string, inputErrors: ShipmentErrors | null = null,
): ShipmentRecord {
  const to = normalizeAddress(input.to_address);
  return {
    id: newId("shp"), ...owner, position, reference: input.reference ?? null, status: "validating", errors: null,
    ...resolveService(input, defaults),
    from_address: normalizeAddress(input.from_address), to_address: to, customs: customsFor(input.customs, to.country, defaults, null),
    parcel: normalizeParcel(input.parcel),
    rate_cents: null, rate_currency: null, rate_expires_at: null, tracking_number: null, label_key: null,
    message: null, purchased_at: null, voided_at: null, input_errors: inputErrors,
    metadata: input.metadata ?? {}, created_at: now, updated_at: now,
    provider_shipment_id: null, provider_rate_id: null, provider_buy_at: null, refund_status: null, rating_at: null, rates: null,
    insurance_cents: input.insurance_amount ? parseAmount(input.insurance_amount) : null, insurance_fee_cents: null,
    fees: null, charged_cents: null, warnings: null, verified_to_address: null, refund_submitted_at: null,
  };
}

/** Applies a PATCH: named fields replace, addresses and parcel merge field by field. */
export function applyPatch(s: ShipmentRecord, patch: ShipmentIn, defaults: Defaults, now: string): ShipmentRecord {
  const to = patch.to_address === undefined ? s.to_address : normalizeAddress(patch.to_address, s.to_address);
  const asked = "carrier" in patch || "service" in patch || "max_delivery_days" in patch || "carriers" in patch;
  const was = s.service_strategy;
  return {
    ...s,
    reference: "reference" in patch ? patch.reference ?? null : s.reference,
    ...(asked
      ? resolveService({
        carrier: "carrier" in patch ? patch.carrier : was ? null : s.carrier,
        service: "service" in patch ? patch.service : was ? was.strategy : s.service,
        max_delivery_days: "max_delivery_days" in patch ? patch.max_delivery_days : was?.max_delivery_days,
        carriers: "carriers" in patch ? patch.carriers : was?.carriers,
      }, defaults)
      : {}),
    from_address: patch.from_address === undefined ? s.from_address : normalizeAddress(patch.from_address, s.from_address),
    to_address: to,
    // `customs: null` clears the declaration (a domestic shipment again); fields named replace.
    customs: patch.customs === null ? customsFor(undefined, to.country, defaults, null) : customsFor(patch.customs, to.country, defaults, s.customs ?? null),
    parcel: patch.parcel === undefined ? s.parcel : normalizeParcel(patch.parcel, s.parcel),
    metadata: patch.metadata ?? s.metadata,
    insurance_cents: "insurance_amount" in patch ? (patch.insurance_amount ? parseAmount(patch.insurance_amount) : null) : s.insurance_cents,
    // Edited: rated again (by the provider too, for live shipments) from scratch.
    rating_at: null, provider_shipment_id: null, provider_rate_id: null,
    updated_at: now,
  };
}
