import { z } from "@hono/zod-openapi";
import { CARRIER_IDS, SERVICE_IDS } from "../carriers/services";
import { STRATEGIES } from "../carriers/shopping";
import { BATCH_STATUSES } from "../batch/machine";
import { pageQuery, PaginationSchema } from "../http/pagination";
import { Metadata, Mode, Money, Timestamp, Url } from "./common";
import { Shipment, ShipmentInput, ShipmentStatus, TrackingStatus } from "./shipment";
import { CustomsDefaults } from "./customs";

export const MAX_SHIPMENTS = 10_000;

export const BatchStatus = z.enum(BATCH_STATUSES).openapi("BatchStatus");
export const LabelFormat = z.enum(["pdf", "zpl", "epl2"]);
export const LabelLayout = z.enum(["4x6", "letter"]);

const batchFields = {
  reference: z.string().trim().min(1).max(100).nullish()
    .openapi({ description: "Your own key; `GET /v1/batches/{reference}` finds the newest batch with it" }),
  name: z.string().max(200).nullish(),
  default_carrier: z.enum(CARRIER_IDS).nullish(),
  default_service: z.enum([...SERVICE_IDS, ...STRATEGIES] as [string, ...string[]]).nullish()
    .openapi({ description: "A service id, or a strategy for every shipment that names none: `cheapest` or `fastest`" }),
  max_delivery_days: z.coerce.number().int().min(1).max(30).nullish().openapi({ description: "Bounds the shipments' strategies: only services delivering within this many days" }),
  carriers: z.array(z.enum(CARRIER_IDS)).min(1).max(3).nullish().openapi({ description: "Bounds the shipments' strategies: only these carriers" }),
  label_format: LabelFormat.default("pdf"),
  label_layout: LabelLayout.default("4x6"),
  customs_defaults: CustomsDefaults.nullish(),
  metadata: Metadata.default({}),
};

export const BatchCreate = z
  .object({ ...batchFields, shipments: z.array(ShipmentInput).max(MAX_SHIPMENTS).default([]) })
  .strict()
  .openapi("BatchCreate");
export type BatchCreateIn = z.infer<typeof BatchCreate>;

/** The same fields as multipart form fields, next to the CSV `file`; metadata as a JSON string. */
export const BatchCreateForm = z.object({ ...batchFields }).strict();

export const AddShipments = z
  .object({ shipments: z.array(ShipmentInput).min(1).max(MAX_SHIPMENTS) })
  .strict()
  .openapi("AddShipments");

export const RemoveShipments = z
  .object({ shipment_ids: z.array(z.string()).min(1).max(MAX_SHIPMENTS) })
  .strict()
  .openapi("RemoveShipments");

export const Counts = z
  .object({
    total: z.number().int(), validating: z.number().int(), valid: z.number().int(), invalid: z.number().int(),
    queued: z.number().int(), purchased: z.number().int(), purchase_failed: z.number().int(), voided: z.number().int(),
  })
  .openapi("BatchCounts");
export type Counts = z.infer<typeof Counts>;

export const LabelFile = z
  .object({
    url: Url, label_set_id: z.string().nullable().openapi({ description: "The set (`label_sets`) this file belongs to" }),
    format: LabelFormat, layout: LabelLayout, count: z.number().int(),
    first_position: z.number().int(), last_position: z.number().int(),
  })
  .openapi("LabelFile");

export const CustomsFormFile = z
  .object({ url: Url, count: z.number().int().openapi({ description: "Shipments (one document each) in the file" }), first_position: z.number().int(), last_position: z.number().int() })
  .openapi("CustomsFormFile");

export const Pickup = z
  .object({
    id: z.string().openapi({ example: "pku_01J…" }), carrier: z.enum(CARRIER_IDS),
    min_datetime: z.string().openapi({ description: "The window's start, as asked (ISO 8601 with its offset)" }),
    max_datetime: z.string().openapi({ description: "The window's end, as asked" }),
    status: z.enum(["scheduling", "scheduled", "failed", "cancelled"]).openapi({ description: "`scheduling` while the carrier is asked (in the background); `scheduled` with its `confirmation`; `failed` with the carrier's reason (nothing charged); `cancelled` (credited)" }),
    confirmation: z.string().nullable().openapi({ description: "The carrier's confirmation number, once scheduled", example: "WTC64743910" }),
    amount: Money.nullable().openapi({ description: "What the pickup costs (USPS pickups are free), debited when it is scheduled and credited once if it is cancelled; null until the carrier quoted it" }),
    shipment_count: z.number().int().openapi({ description: "The bought shipments it collects" }),
    message: z.string().nullable().openapi({ description: "Why it failed, in the carrier's words" }),
  })
  .openapi("Pickup", { description: "A carrier pickup of one carrier's bought, not voided shipments from one origin address" });

export const PickupBody = z
  .object({
    min_datetime: z.string().max(40).openapi({ description: "The window's start, ISO 8601 with an offset, in the future, not on a Sunday or US federal holiday", example: "2026-12-07T09:00:00-08:00" }),
    max_datetime: z.string().max(40).openapi({ description: "The window's end, after the start, within the days the carrier books ahead (USPS 14, UPS 10, FedEx 5)", example: "2026-12-07T17:00:00-08:00" }),
    instructions: z.string().max(200).nullish().openapi({ description: "For the driver", example: "Dock door 3" }),
    carriers: z.array(z.enum(CARRIER_IDS)).min(1).max(3).nullish().openapi({ description: "Only these carriers' shipments (default: every carrier with bought shipments)" }),
  })
  .strict()
  .openapi("SchedulePickups");

export const LabelSet = z
  .object({
    id: z.string().openapi({ example: "ls_01J…" }), format: LabelFormat, layout: LabelLayout,
    status: z.enum(["generating", "ready"]).openapi({ description: "`ready` once its last file is written" }),
    label_count: z.number().int().openapi({ description: "Labels in the files written so far" }),
    file_count: z.number().int().openapi({ description: "Files written so far" }),
    stale: z.boolean().openapi({ description: "A label in it was voided after it was made; make a new set to leave it out" }),
    archive_url: Url.nullable().openapi({ description: "Every file of the set written so far as one ZIP archive (signed link, like `labels`); null before its first file" }),
    created_at: Timestamp, completed_at: Timestamp.nullable(),
  })
  .openapi("LabelSet", { description: "Merged files made together: the purchase's own, or one `POST …/labels`" });

export const ScanForm = z
  .object({
    id: z.string(), carrier: z.enum(CARRIER_IDS),
    status: z.enum(["generating", "ready", "failed"]).openapi({ description: "Written in the background (a live form while EasyPost makes it); `ready` once its document can be downloaded; `failed` when EasyPost refused it (see `message`; it is never sent again by itself)" }),
    url: Url.nullable().openapi({ description: "Signed download link, once `ready`" }), shipment_count: z.number().int(), created_at: Timestamp,
    message: z.string().nullable().openapi({ description: "Why the provider failed the form, in its words (e.g. a label dated before the form's day); null otherwise" }),
  })
  .openapi("ScanForm", { description: "One manifest: one carrier's bought, not voided labels from one origin address" });

export const BatchSummary = z
  .object({
    id: z.string().openapi({ example: "batch_01JQ…" }),
    object: z.literal("batch"),
    mode: Mode,
    status: BatchStatus,
    reference: z.string().nullable(),
    name: z.string().nullable(),
    via: z.enum(["api", "file"]),
    default_carrier: z.string().nullable(),
    default_service: z.string().nullable(),
    max_delivery_days: z.number().int().nullable(),
    carriers: z.array(z.enum(CARRIER_IDS)).nullable(),
    label_format: LabelFormat,
    label_layout: LabelLayout,
    metadata: z.record(z.string(), z.unknown()),
    counts: Counts,
    completion_percentage: z.number().int().min(0).max(100),
    total_amount: Money.openapi({ description: "What was charged for the bought, not voided shipments: each one's `charged_amount` (a live label: the fees EasyPost charged)" }),
    currency: z.string(),
    rate_summary: z.array(z.object({ carrier: z.enum(CARRIER_IDS), service: z.string(), count: z.number().int(), amount: Money }))
      .openapi({ description: "Per service, how many valid, queued or bought shipments chose it and what they cost: a shipment not yet bought at its `rate.total_amount` (postage plus insurance), a bought one at its `charged_amount` (as of the batch's last status change or void)" }),
    labels: z.array(LabelFile),
    label_sets: z.array(LabelSet),
    scan_forms: z.array(ScanForm),
    customs_defaults: z.union([CustomsDefaults, z.null()]).openapi({ description: "What the batch's international shipments take where their `customs` are silent" }),
    tracking_summary: z.object({
      counts: z.record(z.string(), z.number().int()).openapi({ description: "Tracked (bought, not voided) shipments per tracking status" }),
      tracked: z.number().int(), delivered_percentage: z.number().int().min(0).max(100),
      exceptions: z.array(z.object({ shipment_id: z.string(), position: z.number().int(), reference: z.string().nullable(), status: TrackingStatus, message: z.string().nullable() }))
        .openapi({ description: "The first 20 shipments in an exception (`failure`, `return_to_sender`, `available_for_pickup`), in position order, with their last message" }),
    }).nullable().openapi({ description: "The batch's deliveries at a glance; null before anything was bought" }),
    pickups: z.array(Pickup).openapi({ description: "Pickups asked for the batch (`POST …/pickups`), oldest first" }),
    customs_forms: z.array(CustomsFormFile).openapi({ description: "The customs documents (a CN23 or commercial invoice per international shipment) merged 100 shipments a file, in position order, as its purchase's label files are written; signed links like `labels`" }),
    created_at: Timestamp,
    updated_at: Timestamp,
    validated_at: Timestamp.nullable(),
    purchased_at: Timestamp.nullable(),
    completed_at: Timestamp.nullable(),
    expires_at: Timestamp,
  })
  .openapi("BatchSummary");
export type BatchSummary = z.infer<typeof BatchSummary>;

export const Batch = BatchSummary.extend({
  shipments: z.object({ data: z.array(Shipment), pagination: PaginationSchema }),
}).openapi("Batch");

export const ListBatchesQuery = pageQuery(25, 100).extend({
  status: BatchStatus.optional(),
  via: z.enum(["api", "file"]).optional(),
  reference: z.string().optional(),
  created_after: z.iso.datetime({ offset: true }).optional().openapi({ description: "RFC 3339, any offset" }),
  created_before: z.iso.datetime({ offset: true }).optional().openapi({ description: "RFC 3339, any offset" }),
  order: z.enum(["asc", "desc"]).default("desc"),
});

const IncludeRates = z.enum(["rates"]).optional().openapi({ description: "`rates`: each shipment's alternatives too" });
export const ShipmentsQuery = pageQuery(100, 1000).extend({ status: ShipmentStatus.optional(), tracking_status: TrackingStatus.optional().openapi({ description: "Only bought shipments in this tracking status" }), include: IncludeRates });

export const BatchQuery = z.object({
  shipments_status: ShipmentStatus.optional(),
  shipments_tracking_status: TrackingStatus.optional().openapi({ description: "Only bought shipments in this tracking status" }),
  shipments_page: z.coerce.number().int().min(1).default(1),
  shipments_limit: z.coerce.number().int().min(1).max(1000).default(100),
  include: IncludeRates,
});

export const PurchaseBody = z
  .object({
    skip_invalid: z.boolean().default(false).openapi({ description: "Buy the valid shipments of an `invalid` batch, leaving the invalid ones out" }),
    expected_amount: z.string().regex(/^\d+\.\d{2}$/, "A decimal amount with two places, like \"85.00\"").optional().openapi({
      description: "The total the client showed before buying (the sum of `rate_summary`'s amounts over what will be bought). If the amount to be charged now differs by as much as a cent, nothing is bought and the answer is 409 `amount_changed`, whose `details` give the current amount. Send it whenever a person approved a total.",
      example: "85.00",
    }),
  })
  .strict()
  .openapi("PurchaseBatch");

export const LabelsBody = z
  .object({ format: LabelFormat.default("pdf"), layout: LabelLayout.default("4x6") })
  .strict()
  // Thermal printers take 4x6 labels; letter sheets are for PDF.
  .refine((b) => b.format === "pdf" || b.layout === "4x6", { path: ["layout"], message: "Letter sheets are PDF only; ZPL and EPL2 are 4x6" })
  .openapi("CreateLabelFiles");

export const StreamToken = z
  .object({
    object: z.literal("stream_token"),
    batch_id: z.string(),
    url: Url.openapi({ description: "The batch's stream with the token in its query (`expires`, `signature`): open it with `EventSource`, no key needed" }),
    expires_at: Timestamp.openapi({ description: "The link opens a stream until then (five minutes); a stream opened in time runs to its end" }),
  })
  .openapi("StreamToken", { description: "A short-lived signed link to one batch's live stream, for clients that cannot send a header (a browser's `EventSource`)" });
