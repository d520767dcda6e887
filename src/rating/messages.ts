/** Live shipments of one batch to rate with the provider; `token` is the `rating_at` their results must match. */
export type RatingMessage = { batch_id: string; shipment_ids: string[]; token: string };

export const ratingBackoffSeconds = (attempts: number) => Math.min(60, 2 ** Math.max(1, attempts));
