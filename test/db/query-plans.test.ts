import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SAVE_RESULTS_SQL, STATUS_COUNTS_SQL } from "../../src/db/shipments";

// Plans, not timings: the statements run once per consumer batch must not read every shipment row.
describe("query plans", () => {
  it("the per-status recount is answered from the shipments_batch_status index alone", async () => {
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${STATUS_COUNTS_SQL}`).bind("batch_x").all<{ detail: string }>();
    expect(results.map((r) => r.detail).join("\n")).toMatch(/USING COVERING INDEX shipments_batch_status/);
  });

  it("purchase results find each shipment by its primary key, not by scanning the batch's queued shipments", async () => {
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${SAVE_RESULTS_SQL}`).bind("[]", "now", "batch_x").all<{ detail: string }>();
    const shipments = results.map((r) => r.detail).filter((d) => /\bshipments\b/.test(d));
    expect(shipments).toEqual([expect.stringMatching(/^SEARCH shipments USING INDEX sqlite_autoindex_shipments_1 \(id=\?\)$/)]);
  });
});
