import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { buyShipments } from "../../src/purchase/buy";
import { backoffSeconds } from "../../src/purchase/messages";
import { QUEUE_PAGE } from "../../src/batch/object";
import { getBatchById } from "../../src/db/batches";
import { getShipment } from "../../src/db/shipments";
import { api, balanceCents, cents, countInBatch, countRows, countShipments, inBatch, isFinal, newAccount, passTime, readyBatch, settle, createBatch, shipment, untilNotPurchasing, waitFor } from "../helpers";

const purchase = (key: string, id: string, body: object = {}) => api(key, `/v1/batches/${id}/purchase`, { body });

async function deliver(queue: string, messages: Array<{ batch_id: string; shipment_id: string }>, attempts = 1) {
  const batch = createMessageBatch(queue, messages.map((body, i) => ({ id: `m-${Date.now()}-${i}-${Math.random()}`, timestamp: new Date(), attempts, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch, env);
  return getQueueResult(batch, ctx);
}

describe("purchasing a batch", () => {
  it("buys every shipment, debits exactly the total, and completes", async () => {
    const { key, id } = await newAccount("1000.00");
    const b = await readyBatch(key, 3, (i) => ({ service: ["usps_priority", "ups_ground", "fedex_2day"][i] }));
    const res = await purchase(key, b.id);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: "purchasing", counts: { queued: 3 } });
    const done = await waitFor(key, b.id, isFinal);
    expect(done).toMatchObject({ status: "completed", completion_percentage: 100, counts: { purchased: 3, queued: 0 } });
    expect(done.purchased_at).not.toBeNull();
    expect(done.completed_at).not.toBeNull();
    const sum = done.shipments.data.reduce((a: number, s: any) => a + cents(s.rate.amount), 0);
    expect(cents(done.total_amount)).toBe(sum);
    expect(await balanceCents(id)).toBe(100_000 - sum);
    const [usps, ups, fedex] = done.shipments.data;
    expect(usps.tracking_number).toMatch(/^94\d{20}$/);
    expect(ups.tracking_number).toMatch(/^1Z[A-Z0-9]{16}$/);
    expect(fedex.tracking_number).toMatch(/^\d{12}$/);
    for (const s of done.shipments.data) {
      expect(s).toMatchObject({ status: "purchased", message: null });
      // Each shipment's own label downloads as a 4x6 PDF and is kept in R2 from then on.
      const u = new URL(s.label_url);
      const pdf = await exports.default.fetch(new Request(`https://api.test${u.pathname}${u.search}`));
      expect(pdf.headers.get("content-type")).toBe("application/pdf");
      const doc = await PDFDocument.load(await pdf.arrayBuffer());
      expect(Object.values(doc.getPage(0).getSize())).toEqual([288, 432]);
      expect(await env.LABELS.head(`labels/${b.id}/${s.id}.pdf`)).not.toBeNull();
    }
    expect((await api(key, "/v1/account")).json.balance).toBe(((100_000 - sum) / 100).toFixed(2));
  });

  it("records batch.updated events through the whole purchase", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 1);
    await purchase(key, b.id);
    await waitFor(key, b.id, isFinal);
    const events = (await api(key, `/v1/events?batch_id=${b.id}`)).json.data.map((e: any) => `${e.data.previous_status ?? "-"}>${e.data.status}`);
    expect(events.reverse()).toEqual(["->validating", "validating>ready", "ready>purchasing", "purchasing>generating_labels", "generating_labels>completed"]);
  });

  it("an invalid batch needs skip_invalid, and then buys only the valid shipments", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: [shipment(), shipment({ parcel: null })] });
    await settle(key, b.id);
    const refused = await purchase(key, b.id);
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: "invalid_state", message: expect.stringContaining("skip_invalid") });
    expect((await purchase(key, b.id, { skip_invalid: true })).status).toBe(202);
    const done = await waitFor(key, b.id, isFinal);
    expect(done.status).toBe("completed");
    expect(done.counts).toMatchObject({ purchased: 1, invalid: 1 });
  });

  it("refuses bad bodies and batches that cannot be bought, changing nothing", async () => {
    const { key, id } = await newAccount();
    const empty = await createBatch(key, {});
    expect((await purchase(key, empty.id)).status).toBe(409);
    const b = await readyBatch(key, 1);
    expect((await purchase(key, b.id, { skip_invalid: "yes" })).json.error.code).toBe("validation_failed");
    expect((await api(key, `/v1/batches/${b.id}/purchase`, { raw: "x", headers: { "content-type": "text/plain" } })).status).toBe(415);
    const other = await newAccount();
    expect((await purchase(other.key, b.id)).status).toBe(404);
    expect((await api(key, `/v1/batches/${b.id}`)).json.status).toBe("ready");
    expect(await countRows("ledger", "account_id = ?", id)).toBe(0);
  });
});

describe("never buy twice", () => {
  it("five concurrent purchase calls: one 202, four 409, every shipment bought and charged once", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 4);
    const results = await Promise.all(Array.from({ length: 5 }, () => purchase(key, b.id)));
    expect(results.map((r) => r.status).sort()).toEqual([202, 409, 409, 409, 409]);
    // The loser is told the batch's state, not advice that does not apply to it.
    for (const r of results.filter((x) => x.status === 409)) {
      expect(r.json.error.message).toMatch(/purchasing/);
      expect(r.json.error.message).not.toMatch(/skip_invalid/);
    }
    const done = await waitFor(key, b.id, isFinal);
    expect(done.counts.purchased).toBe(4);
    expect(await countRows("ledger", "account_id = ? AND kind = 'debit'", id)).toBe(4);
    expect(await countInBatch(b.id, "sandbox_labels")).toBe(4);
    expect(await balanceCents(id)).toBe(100_000_000 - cents(done.total_amount));
  });

  it("the same message delivered again (and concurrently) buys once and charges once", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 1);
    await purchase(key, b.id);
    const msg = { batch_id: b.id, shipment_id: b.shipments.data[0].id };
    await Promise.all([deliver("batch-purchases", [msg]), deliver("batch-purchases", [msg, msg])]);
    const done = await waitFor(key, b.id, isFinal);
    await deliver("batch-purchases", [msg]);
    expect(done.status).toBe("completed");
    expect(await countRows("ledger", "shipment_id = ?", msg.shipment_id)).toBe(1);
    expect(await countInBatch(b.id, "sandbox_labels", "idempotency_key = ?", msg.shipment_id)).toBe(1);
    expect(await balanceCents(id)).toBe(100_000_000 - cents(done.total_amount));
  });

  it("a consumer that died after buying and before reporting: the redelivery returns the same label", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 1);
    await purchase(key, b.id);
    const [s, row] = await inBatch(b.id, async (db) => [(await getShipment(db, b.id, b.shipments.data[0].id))!, (await getBatchById(db, b.id))!] as const);
    // The first delivery gets as far as the carrier and R2, then dies: its result is never reported.
    const [first] = await buyShipments(env, row, [{ shipment: s, attempt: 1 }]);
    expect(first.status).toBe("purchased");
    const done = await waitFor(key, b.id, isFinal);
    expect(done.shipments.data[0].tracking_number).toBe(first.status === "purchased" && first.tracking_number);
    expect(await countRows("ledger", "shipment_id = ? AND kind = 'debit'", s.id)).toBe(1);
    expect(await countInBatch(b.id, "sandbox_labels", "idempotency_key = ?", s.id)).toBe(1);
    expect(await balanceCents(id)).toBe(100_000_000 - cents(done.total_amount));
  });
  it("the batch's object records a shipment's result once and ignores a second, different report", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 1);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const s = done.shipments.data[0];
    const stub = env.BATCH.get(env.BATCH.idFromName(b.id));
    const outcome: any = await stub.recordPurchases(b.id, [{ shipment_id: s.id, status: "purchase_failed", message: "late and wrong" }]);
    expect(outcome.accepted).toEqual([]);
    const after = (await api(key, `/v1/batches/${b.id}`)).json;
    expect(after.shipments.data[0]).toMatchObject({ status: "purchased", tracking_number: s.tracking_number, message: null });
    expect(after.total_amount).toBe(done.total_amount);
  });
});

describe("one writer per batch", () => {
  it("a batch's object does not record a result for another batch's shipment", async () => {
    const { key } = await newAccount();
    const a = await readyBatch(key, 1);
    const other = await readyBatch(key, 1);
    const foreign = other.shipments.data[0];
    await inBatch(other.id, (db) => db.prepare("UPDATE shipments SET status = 'queued' WHERE id = ?").bind(foreign.id).run());
    const stub = env.BATCH.get(env.BATCH.idFromName(a.id));
    const outcome: any = await stub.recordPurchases(a.id, [{
      shipment_id: foreign.id, status: "purchased", tracking_number: "9400000000000000000000", label_key: "labels/x.pdf",
      rate_cents: 1, rate_expires_at: null, purchased_at: new Date().toISOString(), fees: [{ type: "PostageFee", amount: "0.01" }], charged_cents: 1,
    }]);
    expect(outcome.accepted).toEqual([]);
    expect(await inBatch(other.id, (db) => getShipment(db, other.id, foreign.id))).toMatchObject({ status: "queued", tracking_number: null, rate_cents: foreign.rate ? cents(foreign.rate.amount) : null });
  });
});

describe("never charge what you cannot cover", () => {
  it("insufficient balance part way: what is covered is bought, the rest fails, the balance never dips below zero", async () => {
    const { key, id } = await newAccount("30.00");
    const b = await readyBatch(key, 6);
    const each = cents(b.shipments.data[0].rate.amount);
    const affordable = Math.floor(3000 / each);
    expect(affordable).toBeGreaterThan(0);
    expect(affordable).toBeLessThan(6);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    expect(done.status).toBe("completed");
    expect(done.counts).toMatchObject({ purchased: affordable, purchase_failed: 6 - affordable });
    const failed = done.shipments.data.filter((s: any) => s.status === "purchase_failed");
    for (const s of failed) expect(s.message).toBe("Insufficient prepay balance");
    expect(await balanceCents(id)).toBe(3000 - affordable * each);
    expect(await balanceCents(id)).toBeGreaterThanOrEqual(0);
    expect(cents(done.total_amount)).toBe(affordable * each);
  });

  it("a zero balance ends the batch purchase_failed and charges nothing", async () => {
    const { key, id } = await newAccount("0.00");
    const b = await readyBatch(key, 2);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    expect(done).toMatchObject({ status: "purchase_failed", total_amount: "0.00", counts: { purchase_failed: 2 } });
    expect(await balanceCents(id)).toBe(0);
    expect(await countRows("ledger", "account_id = ?", id)).toBe(0);
  });

  it("a carrier decline is refunded and the shipment fails with the carrier's reason", async () => {
    const { key, id } = await newAccount("100.00");
    const b = await readyBatch(key, 2, (i) => ({ reference: i === 0 ? "r sandbox:decline" : "fine" }));
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    expect(done.shipments.data[0]).toMatchObject({ status: "purchase_failed", message: expect.stringContaining("Declined") });
    expect(await balanceCents(id)).toBe(10_000 - cents(done.total_amount));
    expect(await countRows("ledger", "shipment_id = ? AND kind = 'credit'", done.shipments.data[0].id)).toBe(1);
  });

  it("a rate past its expiry is quoted again at purchase; the fresh amount is charged", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 1);
    const s = b.shipments.data[0];
    await inBatch(b.id, (db) => db.prepare("UPDATE shipments SET rate_cents = 1, rate_expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").bind(s.id).run());
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    expect(done.shipments.data[0].rate.amount).toBe(s.rate.amount);
    expect(Date.parse(done.shipments.data[0].rate.expires_at)).toBeGreaterThan(Date.now());
    expect(done.total_amount).toBe(s.rate.amount);
  });
});

describe("void", () => {
  it("credits the amount back once; a second void is 409", async () => {
    const { key, id } = await newAccount("100.00");
    const b = await readyBatch(key, 2);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const [s1, s2] = done.shipments.data;
    const res = await api(key, `/v1/batches/${b.id}/shipments/${s1.id}/void`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("voided");
    const again = await api(key, `/v1/batches/${b.id}/shipments/${s1.id}/void`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(again.json.error.message).toContain("voided");
    const after = (await api(key, `/v1/batches/${b.id}`)).json;
    expect(after.total_amount).toBe(s2.rate.amount);
    expect(after.counts).toMatchObject({ purchased: 1, voided: 1 });
    expect(await balanceCents(id)).toBe(10_000 - cents(s2.rate.amount));
    const other = await newAccount();
    expect((await api(other.key, `/v1/batches/${b.id}/shipments/${s2.id}/void`, { method: "POST" })).status).toBe(404);
  });

  it("refuses to void a shipment that was never bought", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 1);
    const res = await api(key, `/v1/batches/${b.id}/shipments/${b.shipments.data[0].id}/void`, { method: "POST" });
    expect(res.status).toBe(409);
  });
});

describe("cancel racing purchase", () => {
  it("exactly one wins; a cancelled batch buys nothing, even from a late message", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 2);
    const [c, p] = await Promise.all([api(key, `/v1/batches/${b.id}/cancel`, { method: "POST" }), purchase(key, b.id)]);
    expect([c.status, p.status].sort()).toEqual([200, 409].includes(c.status) && [202, 409].includes(p.status) ? [c.status, p.status].sort() : []);
    expect([c.status === 200, p.status === 202].filter(Boolean)).toHaveLength(1);
    const done = await waitFor(key, b.id, isFinal);
    if (c.status === 200) {
      expect(done.status).toBe("cancelled");
      await deliver("batch-purchases", b.shipments.data.map((s: any) => ({ batch_id: b.id, shipment_id: s.id })));
      expect(await countRows("ledger", "account_id = ?", id)).toBe(0);
      expect(await countInBatch(b.id, "sandbox_labels")).toBe(0);
    } else {
      expect(done.status).toBe("completed");
    }
  });

  it("a late message for a cancelled batch buys nothing", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 1);
    await api(key, `/v1/batches/${b.id}/cancel`, { method: "POST" });
    const result = await deliver("batch-purchases", [{ batch_id: b.id, shipment_id: b.shipments.data[0].id }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await countRows("ledger", "account_id = ?", id)).toBe(0);
    expect(await countInBatch(b.id, "sandbox_labels", "idempotency_key = ?", b.shipments.data[0].id)).toBe(0);
  });
});

describe("nothing is lost", () => {
  it("a transient carrier error is retried with backoff; the dead-letter queue ends it purchase_failed and refunds", async () => {
    const { key, id } = await newAccount("100.00");
    const b = await readyBatch(key, 2, (i) => ({ reference: i === 0 ? "sandbox:transient" : "ok" }));
    await purchase(key, b.id);
    const stuck = { batch_id: b.id, shipment_id: b.shipments.data[0].id };
    const r1 = await deliver("batch-purchases", [stuck], 1);
    const r3 = await deliver("batch-purchases", [stuck], 3);
    // The test harness's retry() drops its delay, so the schedule itself is checked below.
    expect(r1.retryMessages).toHaveLength(1);
    expect(r3.retryMessages).toHaveLength(1);
    expect(r1.explicitAcks).toHaveLength(0);
    expect([1, 2, 3, 6, 10].map(backoffSeconds)).toEqual([2, 4, 8, 60, 60]);
    await waitFor(key, b.id, (x) => x.counts.purchased === 1);
    expect((await api(key, `/v1/batches/${b.id}`)).json.status).toBe("purchasing");
    await deliver("batch-purchases-dlq", [stuck]);
    const done = await waitFor(key, b.id, isFinal);
    expect(done.status).toBe("completed");
    expect(done.shipments.data[0]).toMatchObject({ status: "purchase_failed", message: expect.stringContaining("gave up") });
    expect(await balanceCents(id)).toBe(10_000 - cents(done.total_amount));
    expect(await countShipments(b.id, "status = 'queued'")).toBe(0);
  });

  it("the time-out alarm moves a stalled batch to timed_out; what was bought stays bought", async () => {
    const { key, id } = await newAccount("100.00");
    const b = await readyBatch(key, 2, (i) => ({ reference: i === 0 ? "sandbox:transient" : "ok" }));
    await purchase(key, b.id);
    await waitFor(key, b.id, (x) => x.counts.purchased === 1);
    const stub = env.BATCH.get(env.BATCH.idFromName(b.id));
    // Not stalled yet: the alarm leaves it purchasing.
    await runDurableObjectAlarm(stub);
    expect((await api(key, `/v1/batches/${b.id}`)).json.status).toBe("purchasing");
    // Quiet time passes: the queued shipment is re-sent (it fails again), until the re-sends run out.
    const done = await untilNotPurchasing(key, b.id);
    expect(done.status).toBe("timed_out");
    expect(done.counts).toMatchObject({ purchased: 1, purchase_failed: 1, queued: 0 });
    expect(done.shipments.data[0].message).toMatch(/timed out/);
    // The stuck shipment's debit is credited once the purchase queue has undone it.
    for (let i = 0; i < 100 && (await balanceCents(id)) !== 10_000 - cents(done.total_amount); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await balanceCents(id)).toBe(10_000 - cents(done.total_amount));
  });

  it("a purchase start that died part way: the shipments it queued are bought by the next purchase call", async () => {
    const { key, id } = await newAccount("1000.00");
    const b = await readyBatch(key, 3);
    // What an object that died between queueing pages leaves: some shipments queued, nothing sent, the batch ready.
    await inBatch(b.id, (db) => db.prepare("UPDATE shipments SET status = 'queued' WHERE id = ?").bind(b.shipments.data[1].id).run());
    const res = await purchase(key, b.id);
    expect(res.json).toMatchObject({ status: "purchasing", counts: { queued: 3 } });
    const done = await waitFor(key, b.id, isFinal, 10_000);
    expect(done).toMatchObject({ status: "completed", counts: { purchased: 3, queued: 0 } });
    expect(await balanceCents(id)).toBe(100_000 - cents(done.total_amount));
  });

  it("a purchase start that died part way, then cancel or expiry: no shipment of the ended batch stays queued", async () => {
    const { key } = await newAccount("1000.00");
    for (const end of ["cancel", "expire"] as const) {
      const b = await readyBatch(key, 3);
      await inBatch(b.id, (db) => db.prepare("UPDATE shipments SET status = 'queued' WHERE id = ?").bind(b.shipments.data[1].id).run());
      if (end === "cancel") expect((await api(key, `/v1/batches/${b.id}/cancel`, { method: "POST" })).json.status).toBe("cancelled");
      else {
        await inBatch(b.id, (db) => db.prepare("UPDATE batches SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").bind(b.id).run());
        await passTime(b.id, 31 * 86_400_000);
      }
      const after = (await api(key, `/v1/batches/${b.id}`)).json;
      expect(after).toMatchObject({ status: end === "cancel" ? "cancelled" : "expired", counts: { queued: 0, valid: 3 } });
      expect(after.shipments.data.map((s: { status: string }) => s.status)).toEqual(["valid", "valid", "valid"]);
    }
  });

  it("a batch larger than one queueing page is queued and bought whole, each shipment once", async () => {
    const { key, id } = await newAccount("100000.00");
    const n = 2 * QUEUE_PAGE + 1; // two full pages and one short one
    const b = await readyBatch(key, n);
    expect((await purchase(key, b.id)).json).toMatchObject({ counts: { queued: n } });
    const done = await waitFor(key, b.id, isFinal, 60_000);
    expect(done).toMatchObject({ status: "completed", counts: { purchased: n, queued: 0 } });
    expect(await countRows("ledger", "account_id = ? AND kind = 'debit'", id)).toBe(n);
  });

  it("a batch not bought within 30 days expires", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 1);
    await inBatch(b.id, (db) => db.prepare("UPDATE batches SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").bind(b.id).run());
    await passTime(b.id, 31 * 86_400_000);
    expect((await api(key, `/v1/batches/${b.id}`)).json.status).toBe("expired");
    expect((await purchase(key, b.id)).status).toBe(409);
  });
});
