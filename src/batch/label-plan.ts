// Which merged files a batch will have, decided when it is bought: the shipments sent to purchase,
// in position order, cut into files of 100. A file is written as soon as every one of its shipments
// has finished, so `labels` fills while a large batch is still purchasing. Kept a file a row in the
// batch object's SQLite (object-sql.ts); pure functions so the rules are easy to test.
import { LABELS_PER_FILE, type LabelFormat, type LabelLayout } from "../labels/merge";
import type { LabelJob } from "../labels/messages";

export type PlannedFile = {
  n: number; set: number; format: LabelFormat; layout: LabelLayout;
  first_position: number; last_position: number; remaining: number; bought: number; queued: boolean; written: boolean;
};
export type LabelPlan = { next_n: number; sets: number; files: PlannedFile[] };

export const emptyPlan = (): LabelPlan => ({ next_n: 1, sets: 0, files: [] });

/**
 * Adds a set of files over `positions` (sorted). A pending set's shipments are still being bought
 * (`remaining`); any other set is over bought shipments only.
 */
export function addSet(plan: LabelPlan, positions: readonly number[], format: LabelFormat, layout: LabelLayout, pending: boolean): LabelPlan {
  const set = plan.sets + 1;
  const files = [...plan.files];
  let n = plan.next_n;
  for (let i = 0; i < positions.length; i += LABELS_PER_FILE) {
    const chunk = positions.slice(i, i + LABELS_PER_FILE);
    files.push({
      n: n++, set, format, layout, first_position: chunk[0], last_position: chunk.at(-1)!,
      remaining: pending ? chunk.length : 0, bought: pending ? 0 : chunk.length, queued: false, written: false,
    });
  }
  return { next_n: n, sets: set, files };
}

export type Finished = { position: number; bought: boolean };

/** Counts finished purchases, bought or failed, against their files. */
export function finish(plan: LabelPlan, finished: readonly Finished[]): LabelPlan {
  const files = plan.files.map((f) => ({ ...f }));
  for (const { position: p, bought } of finished) {
    const f = files.find((x) => x.set === 1 && x.remaining > 0 && p >= x.first_position && p <= x.last_position);
    if (!f) continue;
    f.remaining--;
    if (bought) f.bought++;
  }
  return { ...plan, files };
}

/**
 * Files whose shipments have all finished and that are not yet queued for writing. A file in which
 * nothing was bought has no labels: it counts as written at once, and no job is sent for it.
 */
export function due(plan: LabelPlan, batchId: string): { plan: LabelPlan; jobs: LabelJob[] } {
  const jobs: LabelJob[] = [];
  const files = plan.files.map((f) => {
    if (f.queued || f.remaining > 0) return f;
    if (f.bought === 0) return { ...f, queued: true, written: true };
    // The purchase's own files also write their international shipments' customs documents.
    jobs.push({ batch_id: batchId, n: f.n, first_position: f.first_position, last_position: f.last_position, format: f.format, layout: f.layout, ...(f.set === 1 ? { customs: true } : {}) });
    return { ...f, queued: true };
  });
  return { plan: { ...plan, files }, jobs };
}

/** The purchase's own files are all written: the batch can be `completed`. */
export const firstSetWritten = (plan: LabelPlan) => plan.files.filter((f) => f.set === 1).every((f) => f.written);
