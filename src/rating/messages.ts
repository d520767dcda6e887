// The provider queue (`batch-rates`): what live mode asks EasyPost outside any request. Ratings of
// shipments that passed our checks, and, after a void, checks of how the refund ended.

/** Live shipments of one batch to rate with the provider; `token` is the `rating_at` their results must match. */
export type RatingMessage = { kind?: "rate"; batch_id: string; shipment_ids: string[]; token: string };
/** A submitted refund to look at again: EasyPost settles refunds with the carrier over hours or days. */
export type RefundCheckMessage = { kind: "refund_check"; batch_id: string; shipment_id: string; checks: number };
export type ProviderMessage = RatingMessage | RefundCheckMessage;

export const ratingBackoffSeconds = (attempts: number) => Math.min(60, 2 ** Math.max(1, attempts));

/** First check an hour after the void, then every 12 hours (Queues' longest delay), for about two weeks. */
export const REFUND_FIRST_CHECK_SECONDS = 3600;
export const REFUND_CHECK_EVERY_SECONDS = 43_200;
export const REFUND_MAX_CHECKS = 30;
