import { describe, expect, it } from "vitest";
import { Pace } from "../../src/carriers/easypost/pace";

describe("provider pace", () => {
  it("runs at most `max` calls at once", async () => {
    const pace = new Pace(4);
    let running = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 20 }, () => pace.run(async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    })));
    expect(peak).toBe(4);
  });

  it("a 429 halves the bound and holds new calls for Retry-After; successes grow it back", async () => {
    const pace = new Pace(8);
    pace.throttled(200);
    expect(pace.current).toBe(4);
    const start = Date.now();
    await pace.run(async () => undefined);
    expect(Date.now() - start).toBeGreaterThanOrEqual(190);
    for (let i = 0; i < 40; i++) pace.succeeded();
    expect(pace.current).toBe(8);
    pace.throttled(0);
    pace.throttled(0);
    pace.throttled(0);
    pace.throttled(0);
    expect(pace.current).toBe(1);
  });
});
