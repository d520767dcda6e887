import { z } from "@hono/zod-openapi";
import { Address, AddressInput, Parcel, ParcelInput } from "./address";
import { Metadata, Money, Timestamp } from "./common";

export const SHIPMENT_STATUSES = ["validating", "valid", "invalid", "queued", "purchased", "purchase_failed", "voided"] as const;
export const ShipmentStatus = z.enum(SHIPMENT_STATUSES).openapi("ShipmentStatus");
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export const ShipmentInput = z
  .object({
    reference: z.string().max(100).nullish(),
    carrier: z.string().nullish().openapi({ description: "Defaults to the batch's default_carrier" }),
    service: z.string().nullish().openapi({ description: "Defaults to the batch's default_service" }),
    from_address: AddressInput.nullish(),
    to_address: AddressInput.nullish(),
    parcel: ParcelInput.nullish(),
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
  .object({ amount: Money, currency: z.string(), expires_at: Timestamp })
  .openapi("Rate");

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
    rate: Rate.nullable(),
    tracking_number: z.string().nullable(),
    label_url: z.string().nullable(),
    message: z.string().nullable(),
    purchased_at: Timestamp.nullable(),
    refund_status: z.enum(["submitted", "refunded", "rejected"]).nullable().openapi({ description: "After a void of a live label: `submitted` once EasyPost accepted the refund request (the amount is credited then)" }),
    metadata: z.record(z.string(), z.unknown()),
  })
  .openapi("BatchShipment");
