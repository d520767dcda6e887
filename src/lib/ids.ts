import { monotonicFactory } from "ulid";

// Monotonic so that ids made in the same millisecond (a 10,000-row insert) still sort by creation.
const next = monotonicFactory();

export type IdPrefix = "batch" | "shp" | "evt" | "whk" | "sf" | "ls" | "req" | "acct" | "pku";

export const newId = (prefix: IdPrefix): string => `${prefix}_${next()}`;
