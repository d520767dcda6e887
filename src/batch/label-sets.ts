// The batch's label sets as clients see them (`label_sets`): which files belong together, whether a
// set is whole, and whether a void since it was made means it still holds a voided label (`stale`).
// Derived from the label plan (label-plan.ts) and the files written; pure, so the rules are tested alone.
import type { LabelPlan } from "./label-plan";
import type { LabelFile } from "../labels/messages";

export type LabelSet = {
  id: string; set: number; format: "pdf" | "zpl" | "epl2"; layout: "4x6" | "letter"; status: "generating" | "ready";
  label_count: number; file_count: number; stale: boolean; created_at: string; completed_at: string | null;
};

/** A new set, `generating` until its last file is written. */
export const newSet = (id: string, set: number, format: LabelSet["format"], layout: LabelSet["layout"], now: string): LabelSet =>
  ({ id, set, format, layout, status: "generating", label_count: 0, file_count: 0, stale: false, created_at: now, completed_at: null });

/** Counts each set's written files and labels; a set whose every planned file is written is `ready`. */
export function progress(sets: readonly LabelSet[], plan: LabelPlan, files: readonly (LabelFile & { set?: number })[], now: string): LabelSet[] {
  return sets.map((s) => {
    const own = files.filter((f) => f.set === s.set);
    const whole = plan.files.filter((f) => f.set === s.set).every((f) => f.written);
    return {
      ...s, label_count: own.reduce((a, f) => a + f.count, 0), file_count: own.length,
      status: whole ? "ready" : "generating", completed_at: whole ? s.completed_at ?? now : null,
    };
  });
}

/** A void: every set with a file over the voided position holds that label, and is stale from now on. */
export function markStale(sets: readonly LabelSet[], plan: LabelPlan, position: number): LabelSet[] {
  const holding = new Set(plan.files.filter((f) => f.bought > 0 && f.first_position <= position && position <= f.last_position).map((f) => f.set));
  return sets.map((s) => (holding.has(s.set) ? { ...s, stale: true } : s));
}
