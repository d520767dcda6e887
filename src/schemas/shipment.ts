import { z } from "@hono/zod-openapi";
import { Address, AddressInput, Parcel, ParcelInput } from "./address";
import { CARRIER_IDS, SERVICE_IDS } from "../carriers/services";
import { STRATEGIES } from "../carriers/shopping";
import { Metadata, Money, Timestamp, Url } from "./common";
import { Customs, CustomsInput } from "./customs";
import { TRACKING_STATUSES } from "../carriers/sandbox/tracking-story";

export const TrackingStatus = z.enum(TRACKING_STATUSES).openapi("TrackingStatus");
export const Tracking = z
  .object({
    status: TrackingStatus, status_detail: z.string().nullable(), est_delivery_date: z.string().nullable().openapi({ description: "YYYY-MM-DD, until delivered" }),
    updated_at: Timestamp,
    events: z.array(z.object({
      at: Timestamp, status: TrackingStatus, message: z.string(), city: z.string().nullable(), state: z.string().nullable(), country: z.string().nullable(),
    })).openapi({ description: "The carrier's scans, newest first" }),
  })
  .openapi("Tracking");

export const SHIPMENT_STATUSES = ["validating", "valid", "invalid", "queued", "purchased", "purchase_failed", "voided"] as const;
export const ShipmentStatus = z.enum(SHIPMENT_STATUSES).openapi("ShipmentStatus");
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export const ShipmentInput = z
  .object({
    reference: z.string().max(100).nullish(),
    carrier: z.string().max(20).nullish().openapi({ description: "Defaults to the batch's default_carrier" }),
    service: z.string().max(40).nullish().openapi({ description: "A service id, or a strategy: `cheapest` (within `max_delivery_days`) or `fastest` (ties by price); defaults to the batch's default_service" }),
    max_delivery_days: z.number().int().min(1).max(30).nullish().openapi({ description: "With a strategy: only services delivering within this many days (else the batch's)" }),
    carriers: z.array(z.enum(CARRIER_IDS)).min(1).max(3).nullish().openapi({ description: "With a strategy: only these carriers (else the batch's)" }),
    from_address: AddressInput.nullish(),
    to_address: AddressInput.nullish(),
    parcel: ParcelInput.nullish(),
    insurance_amount: z.string().regex(/^\d{1,5}(\.\d{1,2})?$/, "A decimal amount in USD, like \"50.00\"").nullish().openapi({
      description: "Insure the parcel for this declared value (USD). The insurance fee (1% of the value, at least $0.50) is quoted in `rate.insurance_fee` and charged with the label. Without it no insurance is bought, whatever the provider account's default.",
      example: "50.00",
    }),
    customs: CustomsInput.nullish().openapi({ description: "Required for an international destination (any country but US); the batch's `customs_defaults` fill the fields it leaves empty. In a PATCH, the fields named replace, and `items`, when given, replace the list whole." }),
    metadata: Metadata.optional(),
  })
  .strict()
  .openapi("ShipmentInput");
export type ShipmentIn = z.infer<typeof ShipmentInput>;

/** A PATCH changes only the fields it names; nested addresses and the parcel merge field by field. */
export const ShipmentPatch = ShipmentInput.openapi("ShipmentPatch");

export const ShipmentErrors = z
  .record(z.string(), z.array(z.string()))
  .openapi("ShipmentErrors", { example: { "to_address.zip": ["Invalid ZIP code"] } });
export type ShipmentErrors = z.infer<typeof ShipmentErrors>;

export const Rate = z
  .object({
    amount: Money.openapi({ description: "The postage" }),
    insurance_fee: Money.nullable().openapi({ description: "The insurance fee quoted for `insurance_amount`; null without insurance" }),
    total_amount: Money.openapi({ description: "What buying this shipment is expected to cost: postage plus insurance" }),
    currency: z.string(), delivery_days: z.number().int().nullable(),
    estimated_delivery_date: z.string().nullable().openapi({ description: "YYYY-MM-DD; Sundays and US federal holidays are not delivery days" }),
    expires_at: Timestamp,
  })
  .openapi("Rate");

export const RateAlternative = z
  .object({
    carrier: z.enum(CARRIER_IDS), service: z.enum(SERVICE_IDS as [string, ...string[]]), amount: Money, currency: z.string(),
    delivery_days: z.number().int(), estimated_delivery_date: z.string(),
  })
  .openapi("RateAlternative");

export const Fee = z.object({ type: z.string().openapi({ example: "PostageFee" }), amount: Money }).openapi("Fee");

export const ServiceStrategy = z
  .object({ strategy: z.enum(STRATEGIES), max_delivery_days: z.number().int().nullable(), carriers: z.array(z.enum(CARRIER_IDS)).nullable() })
  .openapi("ServiceStrategy", { description: "What was asked instead of a service; validation picked `carrier` and `service`" });

export const Shipment = z
  .object({
    id: z.string().openapi({ example: "shp_01JQ…" }),
    object: z.literal("batch_shipment"),
    position: z.number().int(),
    reference: z.string().nullable(),
    status: ShipmentStatus,
    errors: ShipmentErrors.nullable(),
    carrier: z.string().nullable(),
    service: z.string().nullable(),
    from_address: Address,
    to_address: Address,
    parcel: Parcel,
    service_strategy: ServiceStrategy.nullable(),
    rate: Rate.nullable(),
    rates: z.array(RateAlternative).optional().openapi({ description: "The services this shipment could take, cheapest first: on single shipments, and on lists with `include=rates`" }),
    tracking_number: z.string().nullable(),
    label_url: Url.nullable(),
    message: z.string().nullable(),
    purchased_at: Timestamp.nullable(),
    insurance_amount: Money.nullable().openapi({ description: "The declared value insured, as asked" }),
    charged_amount: Money.nullable().openapi({ description: "After a purchase: what was debited for this label, the sum of `fees`" }),
    fees: z.array(Fee).nullable().openapi({ description: "After a purchase: what the charge is made of, as the provider names its fees (`PostageFee`, `InsuranceFee`, `LabelFee`)" }),
    charge_differs: z.boolean().openapi({ description: "True when `charged_amount` differs from `rate.total_amount`, the price shown before buying (the provider billed otherwise)" }),
    warnings: z.union([ShipmentErrors, z.null()]).openapi({ description: "Like `errors`, but never blocking: e.g. a city that is not a name of its ZIP code" }),
    verified_to_address: z.union([Address, z.null()]).openapi({ description: "The destination as the provider verified it, and as the label prints it, when it differs from `to_address`; null otherwise" }),
    refund_status: z.enum(["submitted", "refunded", "rejected", "not_applicable"]).nullable().openapi({
      description: "After a void of a live label: `submitted` once EasyPost accepted the refund request; the amount is credited only when it becomes `refunded`. `rejected` and `not_applicable` credit nothing and the shipment is `purchased` again (the label stands); a rejected refund may be asked again with another void.",
    }),
    tracking: z.union([Tracking, z.null()]).openapi({ description: "Once bought: where the parcel is (`pre_transit` from the purchase). A voided label is no longer tracked" }),
    customs: z.union([Customs, z.null()]).openapi({ description: "The customs declaration as kept (the batch's defaults merged in, `eel_pfc` derived when it was empty and the shipment is valid); null for a domestic shipment that gave none" }),
    metadata: z.record(z.string(), z.unknown()),
  })
  .openapi("BatchShipment");
