// What the OpenAPI document declares beyond the routes: the tags, and the webhook deliveries an
// endpoint receives (`webhooks` in OpenAPI 3.1), with the same schemas the service sends.
import { z } from "@hono/zod-openapi";
import type { App } from "../http/context";
import { BatchSummary } from "../schemas/batch";
import { TRACKING_STATUSES } from "../carriers/sandbox/tracking-story";
import { Timestamp } from "../schemas/common";
import { BATCH_STATUSES } from "../batch/machine";

export const TAGS = [
  { name: "Batches", description: "Create, read, buy and cancel batches; watch them live" },
  { name: "Shipments", description: "A batch's shipments: list, add, remove, fix, void" },
  { name: "Labels", description: "Merged label files, single labels and SCAN forms" },
  { name: "Account", description: "The key's account and prepaid balance" },
  { name: "Carriers", description: "Carriers and services, with their limits" },
  { name: "Events", description: "What happened to batches, and each event's webhook deliveries" },
  { name: "Webhooks", description: "Subscriptions to events, delivered signed per Standard Webhooks" },
  { name: "Pickups", description: "Carrier pickups of a batch's bought shipments" },
  { name: "Providers", description: "What providers push to the service (EasyPost's tracker events)" },
];

const headers = z.object({
  "webhook-id": z.string().openapi({ description: "The event id, the same on every retry: deduplicate on it" }),
  "webhook-timestamp": z.string().openapi({ description: "Unix seconds" }),
  "webhook-signature": z.string().openapi({ description: "`v1,<base64 HMAC-SHA256>` over `id.timestamp.body` with the subscription's secret" }),
});

const TrackingUpdate = z.object({
  batch_id: z.string(), shipment_id: z.string(), position: z.number().int(), reference: z.string().nullable(), tracking_number: z.string().nullable(),
  status: z.enum(TRACKING_STATUSES), previous_status: z.enum(TRACKING_STATUSES), status_detail: z.string().nullable(),
  est_delivery_date: z.string().nullable(), updated_at: z.string(),
}).openapi("TrackingUpdate");

const envelope = (type: string, data: z.ZodType, name: string) => z.object({
  id: z.string().openapi({ example: "evt_01JQ…" }), type: z.literal(type), created_at: Timestamp, data,
}).openapi(name);

export function registerWebhooks(app: App) {
  const events = [
    ["batch.created", BatchSummary, "BatchCreatedEvent", "A batch was created"],
    ["batch.updated", BatchSummary.extend({ previous_status: z.enum(BATCH_STATUSES) }), "BatchUpdatedEvent", "A batch changed status"],
    ["batch.recovering", BatchSummary.extend({
      recovery: z.object({ action: z.enum(["purchases_resent", "label_files_requeued"]), count: z.number().int(), attempt: z.number().int(), quiet_seconds: z.number().int() }),
    }), "BatchRecoveringEvent", "A batch that stopped making progress sent its lost work again"],
    ["batch.delivered", BatchSummary, "BatchDeliveredEvent", "Every tracked shipment of the batch was delivered or returned to its sender (once)"],
    ["shipment.tracking_updated", TrackingUpdate, "ShipmentTrackingUpdatedEvent", "A bought shipment's tracking status changed (one event per change, not per scan, in order)"],
  ] as const;
  for (const [type, data, name, summary] of events) {
    app.openAPIRegistry.registerWebhook({
      method: "post", path: type, summary, operationId: `on_${type.replace(".", "_")}`, tags: ["Webhooks"],
      request: { headers, body: { content: { "application/json": { schema: envelope(type, data, name) } } } },
      responses: { 200: { description: "Any 2xx acknowledges the delivery; anything else (or no answer in 10 s) is retried with backoff, 9 attempts at most" } },
    });
  }
}
