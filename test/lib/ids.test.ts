// Ids: ULIDs behind a prefix, unique, sorted by creation, their random part drawn from crypto a pool at a time.
import { decodeTime } from "ulid";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids";

describe("newId", () => {
  it("is a ULID after its prefix; ids sort by creation and never repeat", () => {
    const ids = Array.from({ length: 20_000 }, () => newId("shp"));
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^shp_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // Their time part never goes back (another test's clock may have run ahead: ids keep its time until now catches up).
    const times = ids.map((id) => decodeTime(id.slice(4)));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
  });

  it("draws fresh random parts in each new millisecond, past many refills of the pool", async () => {
    // 400 milliseconds' first ids take 16 random bytes each: 6,400 bytes, more than one pool.
    const firsts: string[] = [];
    let last = 0;
    while (firsts.length < 400) {
      // In workerd the clock moves only across I/O: a timer lets it.
      await new Promise((r) => setTimeout(r, 1));
      const now = Date.now();
      if (now === last) continue;
      last = now;
      firsts.push(newId("evt").slice(4 + 10));
    }
    expect(new Set(firsts).size).toBe(firsts.length);
    // Crockford's 32 characters are all used: not a constant, and not a short cycle.
    expect(new Set(firsts.join("")).size).toBe(32);
  });
});
