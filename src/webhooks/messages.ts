// `batch.recovering`: a batch that stopped making progress sent its lost work again (`data.recovery`).
export const WEBHOOK_EVENTS = ["batch.created", "batch.updated", "batch.recovering", "batch.delivered", "shipment.tracking_updated"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** An event to fan out to its account's subscriptions, or one delivery of it to one endpoint. */
export type WebhookMessage =
  | { kind: "event"; event_id: string }
  /** Up to 100 events fanned out together (a page of tracking changes owes hundreds): one message, one D1 round trip. */
  | { kind: "events"; event_ids: string[] }
  | { kind: "delivery"; event_id: string; webhook_id: string };

/** Attempts of one delivery before it is `failed`: about 42 minutes of retries at the backoff below. */
export const MAX_DELIVERY_ATTEMPTS = 9;

/** 10 s, 20 s, 40 s … at most an hour between attempts. */
export const webhookBackoffSeconds = (attempts: number) => Math.min(3600, 10 * 2 ** Math.max(0, attempts - 1));
