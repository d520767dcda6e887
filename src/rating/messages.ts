// The provider queue (`batch-rates`): what live mode asks EasyPost outside any request. Ratings of
// shipments that passed our checks, and, after a void, checks of how the refund ended.

/** Live shipments of one batch to rate with the provider; `token` is the `rating_at` their results must match. */
export type RatingMessage = { kind?: "rate"; batch_id: string; shipment_ids: string[]; token: string };
/** Submitted refunds to look at again: EasyPost settles refunds with the carrier over hours or days. Sent by the batch's `refunds` timer. */
export type RefundCheckMessage = { kind: "refund_check"; batch_id: string; shipment_ids: string[] };
/** Voids a request asked for and never recorded (it died): done at the carrier (again; a void is idempotent) and recorded. */
export type VoidMessage = { kind: "void"; batch_id: string; shipment_ids: string[] };
export type ProviderMessage = RatingMessage | RefundCheckMessage | VoidMessage;

export const ratingBackoffSeconds = (attempts: number) => Math.min(60, 2 ** Math.max(1, attempts));
