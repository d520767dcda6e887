import { describe, expect, it } from "vitest";
import { BATCH_EVENTS, BATCH_STATUSES, FINAL_STATUSES, next, TRANSITIONS } from "../../src/batch/machine";

// API.md's status table, written out independently: the machine may move only along these edges,
// and every edge must be reachable by some event.
const CONTRACT: Record<string, string[]> = {
  validating: ["ready", "invalid", "validating"],
  invalid: ["validating", "cancelled", "expired", "purchasing"],
  ready: ["validating", "purchasing", "cancelled", "expired"],
  purchasing: ["generating_labels", "purchase_failed", "timed_out"],
  generating_labels: ["completed"],
  completed: [], purchase_failed: [], timed_out: [], cancelled: [], expired: [],
};

describe("batch state machine", () => {
  it("walks every (status, event) pair and only ever lands on a status the contract allows", () => {
    for (const status of BATCH_STATUSES) {
      const reached = new Set<string>();
      for (const event of BATCH_EVENTS) {
        const to = next(status, event);
        if (to === null) continue;
        expect(CONTRACT[status], `${status} --${event}--> ${to}`).toContain(to);
        reached.add(to);
      }
      expect([...reached].sort(), status).toEqual([...CONTRACT[status]].sort());
    }
  });

  it("final statuses have no way out", () => {
    for (const status of FINAL_STATUSES) {
      expect(TRANSITIONS[status]).toBeUndefined();
      for (const event of BATCH_EVENTS) expect(next(status, event)).toBeNull();
    }
  });

  it("an invalid batch can be bought only by skipping the invalid shipments", () => {
    expect(next("invalid", "purchase")).toBeNull();
    expect(next("invalid", "purchase_skip_invalid")).toBe("purchasing");
  });

  it("nothing can be edited or cancelled once purchasing", () => {
    expect(next("purchasing", "edit")).toBeNull();
    expect(next("purchasing", "cancel")).toBeNull();
  });
});
