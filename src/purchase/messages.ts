export type PurchaseMessage = { batch_id: string; shipment_id: string };

export type PurchaseResult =
  | {
    shipment_id: string; status: "purchased"; tracking_number: string; label_key: string; rate_cents: number; rate_expires_at: string | null; purchased_at: string;
    /** What was charged, as the provider named its fees, and their sum: the amount debited. */
    fees: { type: string; amount: string }[]; charged_cents: number;
  }
  | { shipment_id: string; status: "purchase_failed"; message: string };

export const labelKey = (batchId: string, shipmentId: string) => `labels/${batchId}/${shipmentId}.pdf`;
/** Where a provider's customs document for a label is kept: beside the label. */
export const customsDocumentKey = (labelKey: string) => labelKey.replace(/\.pdf$/, ".customs.pdf");

/** Exponential backoff for retried purchases: 2, 4, 8 … seconds, at most a minute. */
export const backoffSeconds = (attempts: number) => Math.min(60, 2 ** Math.max(1, attempts));
