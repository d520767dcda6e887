// Recovery from lost work: messages that vanish between the object's write and its send (or with a
// killed `wrangler dev`), purchases still in flight at a time-out, a purchase start that died.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { QUEUE_PAGE } from "../../src/batch/object";
import { nextLabelRequeue, nextPurchaseStep } from "../../src/batch/recovery";
import { debit } from "../../src/money";
import { api, balanceCents, buyWithoutReport, cents, countInBatch, d1Down, countRows, countShipments, isFinal, newAccount, passTime, readyBatch, untilNotPurchasing, waitFor } from "../helpers";

const purchase = (key: string, id: string, body: object = {}) => api(key, `/v1/batches/${id}/purchase`, { body });
const status = async (key: string, id: string) => (await api(key, `/v1/batches/${id}`)).json;
afterEach(() => vi.restoreAllMocks());

/** A queue whose sends are accepted and then lost, as when the process dies right after the write. */
const losing = (queue: Queue) => vi.spyOn(queue, "sendBatch").mockResolvedValue(undefined as never);

async function recoveryEvents(key: string, batchId: string) {
  return (await api(key, `/v1/events?batch_id=${batchId}&type=batch.recovering`)).json.data.map((e: any) => e.data.recovery);
}

async function until(check: () => Promise<boolean>, ms = 10_000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("recovery schedule", () => {
  const t = { resendMs: 20_000, stallMs: 300_000 };
  it("re-sends at 20, 60 and 140 s of quiet, and times out only at the time-out, with re-sends exhausted", () => {
    expect([0, 1, 2].map((k) => nextPurchaseStep(0, k, t))).toEqual([
      { action: "resend", at: 20_000 }, { action: "resend", at: 60_000 }, { action: "resend", at: 140_000 },
    ]);
    expect(nextPurchaseStep(0, 3, t)).toEqual({ action: "time_out", at: 300_000 });
    expect(nextPurchaseStep(5_000, 3, t).at).toBe(305_000);
  });

  it("re-sends at least once even when the time-out is shorter than the first re-send", () => {
    const short = { resendMs: 20_000, stallMs: 5_000 };
    expect(nextPurchaseStep(0, 0, short)).toEqual({ action: "resend", at: 20_000 });
    expect(nextPurchaseStep(0, 1, short)).toEqual({ action: "time_out", at: 40_000 });
  });

  it("label files are queued again with doubling waits, at most ten minutes apart", () => {
    expect([0, 1, 2, 10].map((k) => nextLabelRequeue(0, k, t))).toEqual([20_000, 40_000, 80_000, 600_000]);
  });
});

describe("lost purchase messages", () => {
  it("are sent again after a quiet spell: the batch completes by itself, each shipment bought and charged once", async () => {
    const { key, id } = await newAccount("1000.00");
    const b = await readyBatch(key, 3);
    const lost = losing(env.PURCHASE_QUEUE);
    expect((await purchase(key, b.id)).status).toBe(202);
    expect(lost).toHaveBeenCalled();
    lost.mockRestore();
    await new Promise((r) => setTimeout(r, 500));
    expect(await status(key, b.id)).toMatchObject({ status: "purchasing", counts: { queued: 3 } });

    // Not quiet long enough yet: nothing is sent.
    await passTime(b.id, 5_000);
    expect(await recoveryEvents(key, b.id)).toEqual([]);

    const stream = exports.default.fetch(new Request(`https://api.test/v1/batches/${b.id}/stream`, { headers: { authorization: `Bearer ${key}` } }));
    const text = (await stream).text();
    await passTime(b.id, 20_000);
    const done = await waitFor(key, b.id, isFinal);
    expect(done).toMatchObject({ status: "completed", counts: { purchased: 3, queued: 0 } });
    expect(done.labels).toHaveLength(1);
    expect(await recoveryEvents(key, b.id)).toEqual([expect.objectContaining({ action: "purchases_resent", count: 3, attempt: 1 })]);
    expect(await text).toContain("event: recovery");
    expect(await countRows("ledger", "account_id = ? AND kind = 'debit'", id)).toBe(3);
    expect(await countInBatch(b.id, "sandbox_labels")).toBe(3);
    expect(await balanceCents(id)).toBe(100_000 - cents(done.total_amount));
  });
});

describe("a time-out with purchases in flight", () => {
  it("voids at the carrier what it had sold before refunding, and records it on the shipment", async () => {
    const { key, id } = await newAccount("1000.00");
    const b = await readyBatch(key, 2);
    losing(env.PURCHASE_QUEUE);
    await purchase(key, b.id);
    // One purchase reaches the carrier (sold, debited) and its consumer dies before reporting.
    const { shipment: s, outcome: sold } = await buyWithoutReport(b.id, b.shipments.data[0].id);
    expect(sold.status).toBe("purchased");
    expect((await untilNotPurchasing(key, b.id)).status).toBe("timed_out");
    // Nothing is credited by the time-out itself: the refunds go through the purchase queue (whose
    // messages are still being lost here), and the undo timer sends them again once they can arrive.
    expect(await balanceCents(id)).toBe(100_000 - cents(b.shipments.data[0].rate.amount));
    vi.restoreAllMocks();
    await passTime(b.id, 21_000);
    await until(async () => (await balanceCents(id)) === 100_000);
    const done = await status(key, b.id);
    expect(done.counts).toMatchObject({ purchase_failed: 2, purchased: 0, queued: 0 });
    const [first, second] = done.shipments.data;
    expect(first.message).toMatch(/voided/);
    expect(second.message).toMatch(/before the carrier answered/);
    expect(await countInBatch(b.id, "sandbox_labels", "idempotency_key = ? AND voided_at IS NOT NULL", s.id)).toBe(1);
    expect(await countInBatch(b.id, "sandbox_labels", "voided_at IS NULL")).toBe(0);
    expect(await balanceCents(id)).toBe(100_000);
    // Re-sends ran out before it timed out.
    expect((await recoveryEvents(key, b.id)).map((r: any) => r.action)).toEqual(["purchases_resent", "purchases_resent", "purchases_resent"]);
  });

  it("a debit that landed after the time-out's refund is credited when that delivery comes back", async () => {
    const { key, id } = await newAccount("1000.00");
    const b = await readyBatch(key, 1);
    losing(env.PURCHASE_QUEUE);
    await purchase(key, b.id);
    const s = b.shipments.data[0];
    expect((await untilNotPurchasing(key, b.id)).status).toBe("timed_out");
    vi.restoreAllMocks();
    // A consumer that read the shipment as queued before the time-out debits after it (then errs, transiently).
    await debit(env.DB, [{ account_id: id, shipment_id: s.id, cents: cents(s.rate.amount) }], new Date().toISOString());
    expect(await balanceCents(id)).toBe(100_000 - cents(s.rate.amount));
    const batch = createMessageBatch("batch-purchases", [{ id: "late", timestamp: new Date(), attempts: 2, body: { batch_id: b.id, shipment_id: s.id } }]);
    await worker.queue(batch as MessageBatch, env);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["late"]);
    expect(await balanceCents(id)).toBe(100_000);
  });
});

describe("lost label jobs", () => {
  it("are queued again after a time-out too, until every bought label is in a file", async () => {
    const { key } = await newAccount("1000.00");
    const b = await readyBatch(key, 2, (i) => ({ reference: i === 0 ? "ok" : "stuck sandbox:transient" }));
    await purchase(key, b.id);
    await waitFor(key, b.id, (x) => x.counts.purchased === 1);
    // The stuck shipment keeps failing, and the file's job is lost when the time-out queues it.
    losing(env.PURCHASE_QUEUE);
    const labelsLost = losing(env.LABEL_QUEUE);
    const timedOut = await untilNotPurchasing(key, b.id);
    expect(timedOut).toMatchObject({ status: "timed_out", counts: { purchased: 1, purchase_failed: 1 }, labels: [] });
    expect(labelsLost).toHaveBeenCalled();
    vi.restoreAllMocks();
    await passTime(b.id, 30_000);
    const filed = await waitFor(key, b.id, (x) => x.labels.length === 1);
    expect(filed).toMatchObject({ status: "timed_out", labels: [{ count: 1 }] });
    expect((await recoveryEvents(key, b.id)).map((r: any) => r.action)).toContain("label_files_requeued");
  });

  it("a crash while writing files costs the short re-queue wait, not the purchase time-out", async () => {
    const { key } = await newAccount("1000.00");
    const b = await readyBatch(key, 2);
    const lost = losing(env.LABEL_QUEUE);
    await purchase(key, b.id);
    await waitFor(key, b.id, (x) => x.status === "generating_labels");
    expect(lost).toHaveBeenCalled();
    vi.restoreAllMocks();
    await passTime(b.id, 21_000);
    expect((await waitFor(key, b.id, isFinal)).status).toBe("completed");
  });
});

describe("a purchase start that died between pages", () => {
  it("keeps counts that agree with the shipments, and its alarm puts the queued shipments back", async () => {
    const { key, id } = await newAccount("100000.00");
    const n = QUEUE_PAGE + 5;
    const b = await readyBatch(key, n);
    const stub = env.BATCH.get(env.BATCH.idFromName(b.id));
    const { runInDurableObject } = await import("cloudflare:test");
    let real: D1Database | undefined;
    // The object's SQLite commits the first page, then the object dies (here: its next transaction throws).
    await runInDurableObject(stub, (instance) => {
      const obj = instance as unknown as { local: D1Database };
      real = obj.local;
      let calls = 0;
      obj.local = new Proxy(real, { get: (t, k) => (k === "batch" ? (s: D1PreparedStatement[]) => {
        if (/SET status = 'queued'/.test((s[0] as unknown as { sql: string }).sql) && ++calls > 1) throw new Error("object died");
        return t.batch(s);
      } : (t as any)[k]?.bind?.(t) ?? (t as any)[k]) });
    });
    expect((await purchase(key, b.id)).status).toBe(500);
    await runInDurableObject(stub, (instance) => { (instance as unknown as { local: D1Database }).local = real!; });
    const mid = await status(key, b.id);
    expect(mid).toMatchObject({ status: "ready", counts: { total: n, queued: QUEUE_PAGE, valid: 5 } });
    expect(await countShipments(b.id, "status = 'queued'")).toBe(QUEUE_PAGE);

    await passTime(b.id, 5_000);
    expect((await status(key, b.id)).counts.queued).toBe(QUEUE_PAGE);
    await passTime(b.id, 15_000);
    expect(await status(key, b.id)).toMatchObject({ status: "ready", counts: { total: n, queued: 0, valid: n } });
    expect(await countShipments(b.id, "status = 'queued'")).toBe(0);
    expect(await countRows("ledger", "account_id = ?", id)).toBe(0);
    // And it can be bought as usual.
    await purchase(key, b.id);
    expect((await waitFor(key, b.id, isFinal, 60_000)).counts.purchased).toBe(n);
  });
});

describe("a void whose request died", () => {
  it("is finished by the batch's timer at every step: before the carrier was asked, after it took the label back, and after the record (nothing left)", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 3);
    await api(key, `/v1/batches/${b.id}/purchase`, { body: {} });
    const done = await waitFor(key, b.id, isFinal);
    const [s1, s2, s3] = done.shipments.data;
    const paid = await balanceCents(id);
    const stub = env.BATCH.get(env.BATCH.idFromName(b.id));
    const { refundAtCarrier } = await import("../../src/money");
    // s1: the request died right after the object noted the void, before the carrier was asked.
    expect((await stub.beginVoid(b.id, s1.id)).ok).toBe(true);
    // s2: the carrier took the label back, and the request died before the object recorded it.
    expect((await stub.beginVoid(b.id, s2.id)).ok).toBe(true);
    expect((await refundAtCarrier(env, { id: b.id, mode: "test" }, [s2.id]))[0].outcome).toBe("voided");
    // s3: voided the ordinary way: nothing is left for the timer.
    expect((await api(key, `/v1/batches/${b.id}/shipments/${s3.id}/void`, { method: "POST" })).json.status).toBe("voided");
    expect(await balanceCents(id)).toBe(paid + cents(s3.charged_amount));
    // Within the grace nothing happens; after it the timer sends both to be finished, and the provider
    // queue's consumer voids them at the carrier (again, for s2) and records them, each credited once.
    const sent = vi.spyOn(env.RATE_QUEUE, "send").mockResolvedValue(undefined as never);
    await passTime(b.id, 0);
    expect(sent).not.toHaveBeenCalled();
    expect((await api(key, `/v1/batches/${b.id}`)).json.counts).toMatchObject({ purchased: 2, voided: 1 });
    await passTime(b.id, 61_000);
    expect(sent.mock.calls.map(([body]) => body)).toEqual([{ kind: "void", batch_id: b.id, shipment_ids: expect.arrayContaining([s1.id, s2.id]) }]);
    const message = createMessageBatch("batch-rates", [{ id: "void-1", timestamp: new Date(), attempts: 1, body: sent.mock.calls[0][0] }]);
    await worker.queue(message as MessageBatch, env);
    expect((await getQueueResult(message, createExecutionContext())).explicitAcks).toEqual(["void-1"]);
    sent.mockRestore();
    const after = await waitFor(key, b.id, (x) => x.counts.voided === 3);
    expect(after.counts).toMatchObject({ purchased: 0, voided: 3 });
    expect(await balanceCents(id)).toBe(paid + cents(s1.charged_amount) + cents(s2.charged_amount) + cents(s3.charged_amount));
    for (const s of [s1, s2, s3]) expect(await countRows("ledger", "shipment_id = ? AND kind = 'credit'", s.id)).toBe(1);
    expect(await countInBatch(b.id, "sandbox_labels", "idempotency_key IN (?, ?, ?) AND voided_at IS NOT NULL", s1.id, s2.id, s3.id)).toBe(3);
    // Nothing is owed any more: the timer does nothing again.
    const { runInDurableObject } = await import("cloudflare:test");
    expect(await runInDurableObject(stub, (_: unknown, state: DurableObjectState) => state.storage.get("void_intents"))).toEqual({});
  });

  it("a void the carrier refused leaves no intent behind and changes nothing", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 1);
    await api(key, `/v1/batches/${b.id}/purchase`, { body: {} });
    const done = await waitFor(key, b.id, isFinal);
    const sandbox = await import("../../src/carriers/sandbox");
    const real = sandbox.sandboxCarrier;
    vi.spyOn(sandbox, "sandboxCarrier").mockImplementation((db, sw) => ({ ...real(db, sw), void: async () => { throw new Error("carrier down"); } }));
    expect((await api(key, `/v1/batches/${b.id}/shipments/${done.shipments.data[0].id}/void`, { method: "POST" })).status).toBe(500);
    vi.restoreAllMocks();
    const stub = env.BATCH.get(env.BATCH.idFromName(b.id));
    const { runInDurableObject } = await import("cloudflare:test");
    expect(await runInDurableObject(stub, (_: unknown, state: DurableObjectState) => state.storage.get("void_intents"))).toEqual({});
    await passTime(b.id, 61_000);
    expect((await api(key, `/v1/batches/${b.id}`)).json.counts).toMatchObject({ purchased: 1, voided: 0 });
    expect(await countRows("ledger", "account_id = ? AND kind = 'credit'", id)).toBe(0);
  });
});

describe("money across the object and D1", () => {
  it("a kill between the object's commit of a void and the ledger's credit: the void stands, and the object's timer credits it once", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 2);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const paid = await balanceCents(id);
    const [s] = done.shipments.data;
    const restore = await d1Down(b.id);
    // The object records the void (and the credit it owes) in its own transaction; D1 is not reached.
    expect((await api(key, `/v1/batches/${b.id}/shipments/${s.id}/void`, { method: "POST" })).json.status).toBe("voided");
    expect(await balanceCents(id)).toBe(paid);
    expect(await countInBatch(b.id, "owed_credits")).toBe(1);
    await restore();
    // The object's `sync` timer writes what it owes: the credit, exactly once, however often it runs.
    await passTime(b.id, 10_000);
    await passTime(b.id, 10_000);
    expect(await balanceCents(id)).toBe(paid + cents(s.charged_amount));
    expect(await countRows("ledger", "shipment_id = ? AND kind = 'credit'", s.id)).toBe(1);
    expect(await countInBatch(b.id, "owed_credits")).toBe(0);
    expect((await api(key, `/v1/batches/${b.id}`)).json).toMatchObject({ counts: { voided: 1, purchased: 1 } });
    // D1's summary row caught up too: the list shows what the batch shows.
    const listed = (await api(key, `/v1/batches?reference=${encodeURIComponent(done.reference ?? "")}`)).json;
    if (done.reference) expect(listed.data[0].counts.voided).toBe(1);
    expect(JSON.parse((await env.DB.prepare("SELECT counts FROM batches WHERE id = ?").bind(b.id).first<{ counts: string }>())!.counts).voided).toBe(1);
  });

  it("a kill between the ledger's debit and the object's record of the purchase: the redelivery records it, debited once", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 1);
    const lost = losing(env.PURCHASE_QUEUE);
    await purchase(key, b.id);
    lost.mockRestore();
    const before = await balanceCents(id);
    // The consumer debited and bought, then died before the object heard of it.
    const { outcome } = await buyWithoutReport(b.id, b.shipments.data[0].id);
    expect(outcome.status).toBe("purchased");
    expect(await balanceCents(id)).toBeLessThan(before);
    expect(await countShipments(b.id, "status = 'queued'")).toBe(1);
    // The object's purchase timer re-sends; the redelivery finds the debit and the label, and records them.
    await passTime(b.id, 25_000);
    const done = await waitFor(key, b.id, isFinal);
    expect(done.status).toBe("completed");
    expect(await countRows("ledger", "shipment_id = ? AND kind = 'debit'", b.shipments.data[0].id)).toBe(1);
    expect(await balanceCents(id)).toBe(before - cents(done.total_amount));
  });
});

describe("the summary row in D1", () => {
  const summary = async (id: string) => (await env.DB.prepare("SELECT status, label_sets FROM batches WHERE id = ?").bind(id).first<{ status: string; label_sets: string }>())!;

  it("takes a status change before it answers, and a change of files alone within a second, by the timer", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 1);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    expect((await summary(b.id)).status).toBe(done.status);
    // The object wrote its summary just now: a change that moves no status waits for the timer.
    const { runInDurableObject } = await import("cloudflare:test");
    await runInDurableObject(env.BATCH.get(env.BATCH.idFromName(b.id)), (instance) => { (instance as unknown as { summaryAt: number }).summaryAt = Date.now(); });
    const asked = await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "zpl", layout: "4x6" } });
    expect(asked.json.label_sets).toHaveLength(2);
    expect(JSON.parse((await summary(b.id)).label_sets)).toHaveLength(1);
    await passTime(b.id, 1_000);
    expect(JSON.parse((await summary(b.id)).label_sets)).toHaveLength(2);
  });
});
