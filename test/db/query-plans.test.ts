import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { asD1, LocalSql } from "../../src/batch/local-sql";
import { ensureLocalSchema } from "../../src/batch/local-schema";
import * as own from "../../src/batch/object-sql";
import { SAVE_RESULTS_SQL, STATUS_COUNTS_SQL, queuedCosts } from "../../src/db/shipments";

/** The plan SQLite makes for a statement in a batch's object (where a batch's shipments live). */
async function plan(sql: string | ((db: D1Database) => D1PreparedStatement), ...params: unknown[]): Promise<string[]> {
  return runInDurableObject(env.BATCH.get(env.BATCH.idFromName("query-plans")), async (_: unknown, state: DurableObjectState) => {
    const local = new LocalSql(state.storage);
    ensureLocalSchema(local);
    const db = asD1(local);
    const text = typeof sql === "string" ? sql : (sql(db) as unknown as { sql: string; params: unknown[] }).sql;
    const bound = typeof sql === "string" ? params : (sql(db) as unknown as { params: unknown[] }).params;
    return (await db.prepare(`EXPLAIN QUERY PLAN ${text}`).bind(...bound).all<{ detail: string }>()).results.map((r) => r.detail);
  });
}

// Plans, not timings: the statements run once per consumer batch must not read every shipment row.
describe("query plans in a batch's object", () => {
  it("the per-status recount is answered from the shipments_batch_status index alone", async () => {
    expect((await plan(STATUS_COUNTS_SQL, "batch_x")).join("\n")).toMatch(/USING COVERING INDEX shipments_batch_status/);
  });

  it("purchase results, and what their shipments cost before, find each shipment by its primary key", async () => {
    const shipments = (await plan(SAVE_RESULTS_SQL, "[]", "now", "batch_x", 0)).filter((d) => /\bshipments\b/.test(d));
    expect(shipments).toEqual([expect.stringMatching(/^SEARCH shipments USING INDEX sqlite_autoindex_shipments_1 \(id=\?\)$/)]);
    const costs = (await plan((db) => queuedCosts(db, "batch_x", ["a"]))).filter((d) => /\bshipments\b/.test(d));
    expect(costs).toEqual([expect.stringMatching(/^SEARCH shipments USING INDEX sqlite_autoindex_shipments_1 \(id=\?\)$/)]);
  });

  it("a page of results reads only the label files around it, by the range index", async () => {
    expect((await plan((db) => own.filesAround(db, 1, 100))).join("\n")).toMatch(/SEARCH label_files USING INDEX label_files_range \(set_no=\? AND first_position<\?\)/);
  });
});
