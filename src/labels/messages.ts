import type { LabelFormat, LabelLayout } from "./merge";

/** One merged file to write: the bought shipments of one batch with positions first..last. */
export type LabelJob = { batch_id: string; n: number; first_position: number; last_position: number; format: LabelFormat; layout: LabelLayout };

/** A written file, as the batch's `labels` keeps it (the link is signed when presented). */
export type LabelFile = { n: number; format: LabelFormat; layout: LabelLayout; count: number; first_position: number; last_position: number; key: string };

export const fileKey = (batchId: string, n: number, ext: string) => `files/${batchId}/${n}.${ext}`;
