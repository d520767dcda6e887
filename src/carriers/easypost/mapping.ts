// EasyPost's words and ours, in one table each: which EasyPost carrier names belong to which of our
// carriers, which EasyPost service is which of our services, and what its refund and SCAN form
// statuses mean here. The adapter speaks EasyPost's language only through these.
import type { CarrierId } from "../services";

/**
 * A carrier is named after the kind of account that rated it: a merchant's own UPS or FedEx account
 * answers `UPS` / `FedEx`; EasyPost's own billed accounts answer `UPSDAP` / `FedExDefault` (seen in
 * EasyPost's recorded rate messages). Every name of a family rates and buys the same services.
 */
export const CARRIER_FAMILIES: Readonly<Record<CarrierId, readonly string[]>> = {
  usps: ["USPS"],
  ups: ["UPS", "UPSDAP"],
  fedex: ["FedEx", "FedExDefault"],
};

/** Our service id → the service name EasyPost's rates carry (its carrier metadata's names). */
export const SERVICE_NAMES: Readonly<Record<string, string>> = {
  usps_ground_advantage: "GroundAdvantage",
  usps_priority: "Priority",
  usps_priority_express: "Express",
  ups_ground: "Ground",
  ups_2nd_day_air: "2ndDayAir",
  ups_next_day_air: "NextDayAir",
  fedex_ground: "FEDEX_GROUND",
  fedex_2day: "FEDEX_2_DAY",
  fedex_standard_overnight: "STANDARD_OVERNIGHT",
  // International, as EasyPost's recorded rates to a destination abroad name them.
  usps_first_class_international: "FirstClassPackageInternationalService",
  usps_priority_international: "PriorityMailInternational",
  usps_priority_express_international: "ExpressMailInternational",
  ups_worldwide_saver: "UPSSaver",
  ups_worldwide_expedited: "Expedited",
  fedex_international_priority: "INTERNATIONAL_PRIORITY",
  fedex_international_economy: "INTERNATIONAL_ECONOMY",
};

/** EasyPost's shipment forms that are customs documents (bought UPS and FedEx shipments abroad carry one). */
export const CUSTOMS_FORM_TYPES: readonly string[] = ["commercial_invoice", "cn23", "cn22"];

const familyOf = new Map(Object.entries(CARRIER_FAMILIES).flatMap(([ours, names]) => names.map((n) => [n.toLowerCase(), ours as CarrierId])));
const serviceOf = new Map(Object.entries(SERVICE_NAMES).map(([id, name]) => [`${id.split("_")[0]}\u0000${name}`, id]));

/** Our carrier for an EasyPost carrier name (case as EasyPost varies it), or undefined for one we do not sell. */
export const carrierFamily = (easypostCarrier: string | null | undefined): CarrierId | undefined =>
  (easypostCarrier ? familyOf.get(easypostCarrier.toLowerCase()) : undefined);

/** Our service id for one of EasyPost's rates, or undefined when we do not sell it. */
export function serviceFor(rate: { carrier: string; service: string }): string | undefined {
  const family = carrierFamily(rate.carrier);
  return family ? serviceOf.get(`${family}\u0000${rate.service}`) : undefined;
}

/** EasyPost's `refund_status`: submitted until the carrier decides; `not_applicable` never changes. */
export const REFUND_STATUSES = {
  submitted: "submitted",
  refunded: "refunded",
  rejected: "rejected",
  not_applicable: "not_applicable",
} as const;
export type RefundStatus = (typeof REFUND_STATUSES)[keyof typeof REFUND_STATUSES];
export const refundStatusOf = (s: string | null | undefined): RefundStatus | null =>
  (s && s in REFUND_STATUSES ? REFUND_STATUSES[s as keyof typeof REFUND_STATUSES] : null);

/** EasyPost's Pickup `status`: `unknown` until bought, then `scheduled`; `canceled` (its spelling) once cancelled. */
export const PICKUP_STATUSES = { unknown: "scheduling", scheduled: "scheduled", canceled: "cancelled" } as const;
export const pickupStatusOf = (s: string | null | undefined) =>
  (s && s in PICKUP_STATUSES ? PICKUP_STATUSES[s as keyof typeof PICKUP_STATUSES] : "scheduling");

/** EasyPost's ScanForm `status`: `creating` is made later (followed), `created` has its `form_url`, `failed` says why. */
export const SCAN_FORM_STATUSES = { creating: "generating", created: "ready", failed: "failed" } as const;
export const scanFormStatusOf = (s: string | null | undefined) =>
  (s && s in SCAN_FORM_STATUSES ? SCAN_FORM_STATUSES[s as keyof typeof SCAN_FORM_STATUSES] : "generating");
