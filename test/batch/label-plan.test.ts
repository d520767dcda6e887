import { describe, expect, it } from "vitest";
import { addSet, due, emptyPlan, finish, firstSetWritten } from "../../src/batch/label-plan";

const positions = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("the label plan", () => {
  it("queues a file once all its shipments finished; a file where nothing was bought is written without a job", () => {
    let plan = addSet(emptyPlan(), positions(1, 250), "pdf", "4x6", true);
    expect(plan.files.map((f) => [f.first_position, f.last_position])).toEqual([[1, 100], [101, 200], [201, 250]]);

    plan = finish(plan, [
      ...positions(1, 99).map((position) => ({ position, bought: true })),
      ...positions(101, 200).map((position) => ({ position, bought: false })),
      ...positions(201, 250).map((position) => ({ position, bought: position === 250 })),
    ]);
    let step = due(plan, "batch_1");
    // File 1 still waits for position 100; file 2 bought nothing; file 3 has one label.
    expect(step.jobs.map((j) => j.n)).toEqual([3]);
    expect(step.plan.files.map((f) => [f.queued, f.written])).toEqual([[false, false], [true, true], [true, false]]);

    step = due(finish(step.plan, [{ position: 100, bought: false }]), "batch_1");
    expect(step.jobs.map((j) => j.n)).toEqual([1]);
    expect(firstSetWritten(step.plan)).toBe(false);
    expect(firstSetWritten({ ...step.plan, files: step.plan.files.map((f) => (f.n === 1 || f.n === 3 ? { ...f, written: true } : f)) })).toBe(true);
  });

  it("another set covers bought shipments only, so each of its files gets a job", () => {
    const plan = addSet(emptyPlan(), positions(1, 120), "zpl", "4x6", false);
    expect(due(plan, "batch_1").jobs.map((j) => [j.n, j.format, j.first_position, j.last_position])).toEqual([[1, "zpl", 1, 100], [2, "zpl", 101, 120]]);
  });
});
