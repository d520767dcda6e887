// The batch state machine as data: (status, event) → next status. The Durable Object applies it and
// nothing else sets a batch's status; the unit test walks every pair.
export const BATCH_STATUSES = [
  "validating", "invalid", "ready", "purchasing", "generating_labels",
  "completed", "purchase_failed", "timed_out", "cancelled", "expired",
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const BATCH_EVENTS = [
  "edit",               // shipments added, removed or fixed: check them again
  "all_valid",          // validation finished, every shipment valid
  "some_invalid",       // validation finished, at least one invalid
  "purchase",           // buy a batch whose shipments are all valid
  "purchase_skip_invalid", // buy the valid ones, leave the invalid ones out
  "cancel",
  "expire",             // 30 days without a purchase
  "purchases_done",     // every purchase finished, at least one bought
  "purchases_failed",   // every purchase finished, none bought
  "stalled",            // the time-out alarm: purchases stopped making progress
  "labels_written",     // every merged label file is in R2
] as const;
export type BatchEvent = (typeof BATCH_EVENTS)[number];

export const TRANSITIONS: Readonly<Partial<Record<BatchStatus, Partial<Record<BatchEvent, BatchStatus>>>>> = {
  validating: { edit: "validating", all_valid: "ready", some_invalid: "invalid" },
  invalid: { edit: "validating", purchase_skip_invalid: "purchasing", cancel: "cancelled", expire: "expired" },
  ready: { edit: "validating", purchase: "purchasing", purchase_skip_invalid: "purchasing", cancel: "cancelled", expire: "expired" },
  purchasing: { purchases_done: "generating_labels", purchases_failed: "purchase_failed", stalled: "timed_out" },
  generating_labels: { labels_written: "completed" },
};

export const FINAL_STATUSES: readonly BatchStatus[] = ["completed", "purchase_failed", "timed_out", "cancelled", "expired"];

export function next(status: BatchStatus, event: BatchEvent): BatchStatus | null {
  return TRANSITIONS[status]?.[event] ?? null;
}
