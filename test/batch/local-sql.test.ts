// The batch object's own SQLite behind D1's statement interface (src/batch/local-sql.ts): the object's
// schema (local-schema.ts, D1's shapes) and the statements of src/db/ run there unchanged, a batch of statements is one transaction,
// and `changes()` sees the statement before it, as the counts' bookkeeping needs.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { asD1, LocalSql } from "../../src/batch/local-sql";
import { ensureLocalSchema } from "../../src/batch/local-schema";
import { emptyCounts } from "../../src/batch/present";
import * as batches from "../../src/db/batches";
import * as shipments from "../../src/db/shipments";
import { toRecord } from "../../src/batch/intake";
import { validateShipment } from "../../src/batch/validate";
import { address, from } from "../helpers";


/** A fresh object's SQLite with the object's schema applied. */
async function withLocal<T>(name: string, fn: (db: D1Database, local: LocalSql) => Promise<T>): Promise<T> {
  const stub = env.BATCH.get(env.BATCH.idFromName(name));
  return runInDurableObject(stub, async (_: unknown, state: DurableObjectState) => {
    const local = new LocalSql(state.storage);
    ensureLocalSchema(local);
    return fn(asD1(local), local);
  });
}

const now = "2026-12-04T12:00:00.000Z";
const row = (id: string): batches.BatchRow => ({
  id, account_id: "acct_local", mode: "test", status: "validating", reference: null, name: null, via: "api", default_carrier: "usps",
  default_service: "usps_priority", max_delivery_days: null, carriers: null, label_format: "pdf", label_layout: "4x6", metadata: "{}",
  counts: JSON.stringify({ ...emptyCounts(), total: 3, validating: 3 }), total_cents: 0, currency: "USD", labels: "[]", label_sets: "[]", scan_form: null,
  rate_summary: "[]", created_at: now, updated_at: now, validated_at: null, purchased_at: null, completed_at: null, expires_at: now,
});

describe("the object's SQLite as D1", () => {
  it("runs the object's schema and src/db's statements unchanged: insert, validate, queue with counts moved by changes()", async () => {
    const result = await withLocal("local-sql-1", async (db) => {
      const b = row("batch_local1");
      const owner = { batch_id: b.id, account_id: b.account_id };
      const records = [1, 2, 3].map((p) => toRecord({ to_address: address(), from_address: from(), parcel: { weight_oz: 16, length_in: 10, width_in: 8, height_in: 4 } }, p, owner, b, now));
      await db.batch([batches.insertBatch(db, b), ...shipments.insertShipments(db, owner, now, records)]);
      const pending = await shipments.pendingValidation(db, b.id, 100);
      await db.batch(shipments.saveValidation(db, pending.map((s) => validateShipment(s, now))));
      await db.prepare("UPDATE batches SET counts = json_set(counts, '$.validating', 0, '$.valid', 3) WHERE id = ?").bind(b.id).run();
      const [moved] = await db.batch(shipments.queueValidPage(db, b.id, now, 2));
      const counts = (await db.batch([shipments.statusCounts(db, b.id)]))[0].results;
      const stored = JSON.parse((await batches.getBatchById(db, b.id))!.counts);
      return { moved: moved.results.length, counts, stored, summary: (await shipments.rateSummaryOf(db, b.id).all()).results };
    });
    expect(result.moved).toBe(2);
    expect(Object.fromEntries(result.counts.map((c: any) => [c.status, c.n]))).toEqual({ queued: 2, valid: 1 });
    expect(result.stored).toMatchObject({ valid: 1, queued: 2 });
    expect(result.summary).toEqual([{ carrier: "usps", service: "usps_priority", n: 3, cents: expect.any(Number) }]);
  });

  it("a batch of statements is one transaction: a failing statement leaves nothing of the others", async () => {
    const result = await withLocal("local-sql-2", async (db) => {
      const b = row("batch_local2");
      await db.batch([batches.insertBatch(db, b)]);
      let error = "";
      try {
        await db.batch([
          db.prepare("UPDATE batches SET status = 'ready' WHERE id = ?").bind(b.id),
          db.prepare("INSERT INTO batches (id) VALUES (?)").bind(b.id), // the primary key refuses it
        ]);
      } catch (err) {
        error = (err as Error).message;
      }
      return { error, status: (await batches.getBatchById(db, b.id))!.status };
    });
    expect(result.error).toMatch(/constraint|UNIQUE|NOT NULL/i);
    expect(result.status).toBe("validating");
  });

  it("a page read as the JSON text SQLite writes is the page the rows make: every column, nulls, quotes, Unicode, numbers, format's %", async () => {
    const result = await withLocal("local-sql-3", async (db) => {
      const b = row("batch_local3");
      const owner = { batch_id: b.id, account_id: b.account_id };
      const odd = { name: 'Zoë "Quote" \\ Ωmega', company: "Tab\there \u2028", street1: "1 Main St" };
      const records = [1, 2, 3].map((p) => toRecord({
        reference: p === 2 ? null : `ref-${p} "q" 100%s %d`, to_address: address(p === 1 ? odd : {}), from_address: from(),
        parcel: { weight_oz: 16.5, length_in: 10, width_in: 8, height_in: 4 }, metadata: { n: p, note: `say "hi" \\ ${p}`, empty: null },
      }, p, owner, b, now));
      await db.batch([batches.insertBatch(db, b), ...shipments.insertShipments(db, owner, now, records)]);
      const pending = await shipments.pendingValidation(db, b.id, 100);
      await db.batch(shipments.saveValidation(db, pending.map((s) => validateShipment(s, now))));
      const f = { page: 1, limit: 10 };
      const [plain] = await db.batch([shipments.shipmentPage(db, batches.batchById(b.id), f)[0]]);
      const [asJson] = await db.batch([shipments.shipmentPageAsJson(db, batches.batchById(b.id), f)[0]]);
      return { plain: plain.results.map((r) => shipments.parseShipment(r as Record<string, unknown>)), json: JSON.parse(shipments.shipmentPageJson(asJson)) };
    });
    expect(Object.keys(result.json[0]).sort()).toEqual(Object.keys(result.plain[0]).sort());
    expect(result.json).toHaveLength(3);
    expect(result.json).toEqual(result.plain);
    expect(result.json[0].to_address.name).toBe('Zoë "Quote" \\ Ωmega');
    expect(result.json[0].parcel.weight_oz).toBe(16.5);
  });
});
