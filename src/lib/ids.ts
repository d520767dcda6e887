import { monotonicFactory } from "ulid";

// ulid's own source of randomness asks crypto for one byte per character (16 calls an id); a
// 10,000 batch makes tens of thousands of ids, so the bytes come from crypto a pool at a time.
// Filled on first use: a Worker may not make random values at start-up.
const pool = new Uint8Array(4096);
let used = pool.length;
const pooledRandom = () => {
  if (used === pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  return pool[used++] / 256;
};

// Monotonic so that ids made in the same millisecond (a 10,000-row insert) still sort by creation.
const next = monotonicFactory(pooledRandom);

export type IdPrefix = "batch" | "shp" | "evt" | "whk" | "sf" | "ls" | "req" | "acct" | "pku";

export const newId = (prefix: IdPrefix): string => `${prefix}_${next()}`;
