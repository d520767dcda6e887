import type { LabelFormat, LabelLayout } from "./merge";

/** One merged file to write: the bought shipments of one batch with positions first..last. */
export type LabelJob = {
  kind?: "file"; batch_id: string; n: number; first_position: number; last_position: number; format: LabelFormat; layout: LabelLayout;
  /** A file of the purchase's own set: it also writes the customs documents of its range. */
  customs?: boolean;
};
/** The batch's SCAN forms to make (one per carrier and origin), as its object listed them. */
export type ScanFormJob = { kind: "scan_forms"; batch_id: string; form_ids: string[]; /** How often a form being made was asked about already. */ follows?: number };
/** The batch's pickups still `scheduling`, to ask their carriers for (pickups/work.ts). */
export type PickupJob = { kind: "pickups"; batch_id: string; pickup_ids: string[] };
/** Live shipments whose trackers have been quiet a day: EasyPost is asked about each (pickups/tracking-sweep.ts). */
export type TrackingSweepJob = { kind: "tracking_sweep"; batch_id: string; shipment_ids: string[] };
export type LabelQueueMessage = LabelJob | ScanFormJob | PickupJob | TrackingSweepJob;

/** A written file, as the batch's `labels` keeps it (the link is signed when presented). */
export type LabelFile = {
  n: number; format: LabelFormat; layout: LabelLayout; count: number; first_position: number; last_position: number; key: string; set?: number;
  /** The purchase's own files only: the customs documents of the file's international shipments, merged. */
  customs?: CustomsFile;
};
/** One merged file of customs documents (CN23 or commercial invoice), one shipment a document. */
export type CustomsFile = { key: string; count: number; first_position: number; last_position: number };

export const fileKey = (batchId: string, n: number, ext: string) => `files/${batchId}/${n}.${ext}`;
export const customsFileKey = (batchId: string, n: number) => `files/${batchId}/customs-${n}.pdf`;
