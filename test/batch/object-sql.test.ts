// The batch object's own SQL (src/batch/object-sql.ts), run directly against an object's SQLite and
// D1: the label plan a file per row, what the object owes D1, the summary row only ever forward, and
// a batch made before issue 26 copied out of D1. And `movedBy`, the counts a page of results moves.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addSet, emptyPlan } from "../../src/batch/label-plan";
import { asD1, LocalSql } from "../../src/batch/local-sql";
import { ensureLocalSchema } from "../../src/batch/local-schema";
import { movedBy } from "../../src/batch/object";
import * as own from "../../src/batch/object-sql";
import { emptyCounts } from "../../src/batch/present";
import type { BatchRow } from "../../src/db/batches";

async function withLocal<T>(name: string, fn: (db: D1Database, local: LocalSql) => Promise<T>): Promise<T> {
  return runInDurableObject(env.BATCH.get(env.BATCH.idFromName(name)), async (_: unknown, state: DurableObjectState) => {
    const local = new LocalSql(state.storage);
    ensureLocalSchema(local);
    return fn(asD1(local), local);
  });
}

const now = "2026-12-05T12:00:00.000Z";
const row = (id: string, over: Partial<BatchRow> = {}): BatchRow => ({
  id, account_id: "acct_own", mode: "test", status: "purchasing", reference: null, name: null, via: "api", default_carrier: "usps",
  default_service: "usps_priority", max_delivery_days: null, carriers: null, label_format: "pdf", label_layout: "4x6", metadata: "{}",
  counts: JSON.stringify({ ...emptyCounts(), total: 3, queued: 3 }), total_cents: 0, currency: "USD", labels: "[]", label_sets: "[]", scan_form: null,
  rate_summary: JSON.stringify([{ carrier: "usps", service: "usps_priority", n: 2, cents: 2000 }, { carrier: "ups", service: "ups_ground", n: 1, cents: 1500 }]),
  created_at: now, updated_at: now, validated_at: null, purchased_at: null, completed_at: null, expires_at: now, ...over,
});

describe("the label plan, a file per row", () => {
  it("reads only the files around the finished positions, and numbers a new set after the last", async () => {
    const out = await withLocal("own-sql-plan", async (db, local) => {
      const plan = addSet(emptyPlan(), Array.from({ length: 1000 }, (_, i) => i + 1), "pdf", "4x6", true);
      await db.batch(own.putFiles(db, plan.files));
      const around = own.toFiles(local.rows(own.filesAround(db, 150, 260)));
      await db.batch([own.putFiles(db, [{ ...around[0], queued: true }])[0], own.markFilesWritten(db, [3])]);
      const open = own.toFiles(local.rows(own.openFiles(db)));
      const cursor = local.rows(own.planCursor(db))[0];
      return { around: around.map((f) => f.n), open: open.map((f) => f.n), cursor, all: local.rows(own.allFiles(db)).length };
    });
    expect(out).toEqual({ around: [2, 3], open: [2], cursor: { next_n: 11, sets: 1 }, all: 10 });
  });
});

describe("what the object owes D1", () => {
  it("credits owed are kept once per shipment until dropped", async () => {
    const left = await withLocal("own-sql-credits", async (db) => {
      await db.batch([own.oweCredits(db, ["s1", "s2"], "void", now), own.oweCredits(db, ["s1"], "refund", now)]);
      const owed = await own.owedCredits(db);
      await own.dropCredits(db, ["s1"]).run();
      return { owed, after: await own.owedCredits(db) };
    });
    expect(left.owed).toEqual([{ shipment_id: "s1", reason: "void" }, { shipment_id: "s2", reason: "void" }]);
    expect(left.after).toEqual([{ shipment_id: "s2", reason: "void" }]);
  });

  it("the summary row only moves forward, and an event written twice is one row", async () => {
    const id = `batch_own_${Date.now()}`;
    await env.DB.batch([own.upsertSummary(env.DB, row(id, { status: "completed", updated_at: "2026-12-05T12:00:02.000Z" }))]);
    await env.DB.batch([own.upsertSummary(env.DB, row(id, { status: "purchasing", updated_at: "2026-12-05T12:00:01.000Z" }))]);
    expect(await env.DB.prepare("SELECT status FROM batches WHERE id = ?").bind(id).first("status")).toBe("completed");
    const e = { id: `evt_own_${Date.now()}`, account_id: "acct_own", type: "batch.updated", batch_id: id, data: "{}", created_at: now };
    await env.DB.batch([...own.flushEvents(env.DB, [e]), ...own.flushEvents(env.DB, [e])]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE id = ?").bind(e.id).first("n")).toBe(1);
    // Many at once: a few statements, every event a row, in the order given, data intact.
    const many = Array.from({ length: 250 }, (_, i) => ({ ...e, id: `${e.id}_${String(i).padStart(3, "0")}`, data: JSON.stringify({ i, text: "é\"q" }) }));
    const statements = own.flushEvents(env.DB, many);
    expect(statements.length).toBeLessThan(10);
    await env.DB.batch(statements);
    const rows = (await env.DB.prepare("SELECT id, data FROM events WHERE id LIKE ? ORDER BY id").bind(`${e.id}_%`).all<{ id: string; data: string }>()).results;
    expect(rows.map((r) => JSON.parse(r.data).i)).toEqual(many.map((_, i) => i));
    expect(JSON.parse(rows[7].data).text).toBe("é\"q");
  });
});

describe("a batch made before issue 26", () => {
  it("its D1 shipments are read a page at a time, copied whole, and then deleted from D1", async () => {
    const id = `batch_legacy_${Date.now()}`;
    const shipments = Array.from({ length: own.LEGACY_PAGE + 5 }, (_, i) => ({
      id: `${id}_s${i}`, batch_id: id, account_id: "acct_own", position: i + 1, status: "valid", from_address: "{}", to_address: "{}", parcel: "{}",
      metadata: "{}", created_at: now, updated_at: now,
    }));
    await env.DB.batch(shipments.map((s) => env.DB.prepare("INSERT INTO shipments (id, batch_id, account_id, position, status, from_address, to_address, parcel, metadata, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
      .bind(s.id, s.batch_id, s.account_id, s.position, s.status, s.from_address, s.to_address, s.parcel, s.metadata, s.created_at, s.updated_at)));
    const first = await own.legacyShipments(env.DB, id, 0);
    const second = await own.legacyShipments(env.DB, id, first.at(-1)!.position);
    expect([first.length, second.length]).toEqual([own.LEGACY_PAGE, 5]);
    const copied = await withLocal(`own-sql-legacy-${id}`, async (db) => {
      await db.batch([own.insertBatchRow(db, row(id)), ...own.insertRawShipments(db, [...first, ...second])]);
      return (await db.prepare("SELECT COUNT(*) AS n, MAX(position) AS last FROM shipments WHERE batch_id = ?").bind(id).first())!;
    });
    expect(copied).toEqual({ n: own.LEGACY_PAGE + 5, last: own.LEGACY_PAGE + 5 });
    expect(await own.deleteLegacyPage(env.DB, id)).toBe(own.LEGACY_PAGE);
    expect(await own.deleteLegacyPage(env.DB, id)).toBe(5);
    expect(await own.deleteLegacyPage(env.DB, id)).toBe(0);
  });
});

describe("movedBy: what a page of purchase results moves", () => {
  it("counts, the bought total at what was charged, and the rate summary: a bought line keeps its shipment, a failed one leaves it", () => {
    const before = new Map([
      ["a", { id: "a", carrier: "usps", service: "usps_priority", rate_cents: 1000, insurance_fee_cents: null }],
      ["b", { id: "b", carrier: "usps", service: "usps_priority", rate_cents: 900, insurance_fee_cents: 100 }],
      ["c", { id: "c", carrier: "ups", service: "ups_ground", rate_cents: 1500, insurance_fee_cents: null }],
    ]);
    const t = movedBy(row("batch_moved"), [
      { id: "a", position: 1, status: "purchased", charged_cents: 1025, rate_cents: 1000 },
      { id: "b", position: 2, status: "purchased", charged_cents: null, rate_cents: 900 },
      { id: "c", position: 3, status: "purchase_failed", charged_cents: null, rate_cents: 1500 },
    ], before);
    expect(t.counts).toMatchObject({ total: 3, queued: 0, purchased: 2, purchase_failed: 1 });
    expect(t.cents).toBe(1025 + 900);
    expect(JSON.parse(t.rate_summary!)).toEqual([{ carrier: "usps", service: "usps_priority", n: 2, cents: 2000 + 25 - 100 }]);
  });
});

describe("the carriers' books in a batch's object", () => {
  it("take the sandbox carrier's own writes and reads of shipments, and refuse anything else", async () => {
    const { api, newAccount, readyBatch } = await import("../helpers");
    const { key } = await newAccount();
    const b = await readyBatch(key, 1);
    const stub = env.BATCH.get(env.BATCH.idFromName(b.id)) as unknown as { books: (id: string, s: { sql: string; params: unknown[] }[]) => Promise<any> };
    const read = await stub.books(b.id, [{ sql: "SELECT id, provider_shipment_id FROM shipments WHERE id = ?", params: [b.shipments.data[0].id] }]);
    expect(read).toMatchObject({ ok: true, results: [[{ id: b.shipments.data[0].id, provider_shipment_id: null }]] });
    for (const sql of ["DELETE FROM shipments", "UPDATE shipments SET status = 'purchased'", "SELECT 1; DELETE FROM shipments", "INSERT INTO batches (id) VALUES ('x')"]) {
      expect(await stub.books(b.id, [{ sql, params: [] }])).toMatchObject({ ok: false, code: "internal_error" });
    }
    expect((await api(key, `/v1/batches/${b.id}`)).json.counts).toMatchObject({ total: 1, valid: 1 });
  });
});
