// Live mode through EasyPost, against the stand-in (test/easypost.ts) shaped after EasyPost's own
// recorded traffic: rating, exactly-once buying, labels, voids, scan forms, and the money.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { PDFDocument } from "pdf-lib";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { carrierFor } from "../../src/carriers";
import { findService } from "../../src/carriers/services";
import { serviceFor } from "../../src/carriers/easypost/mapping";
import { formatCents } from "../../src/lib/money";
import { callsSince, standIn } from "../easypost";
import { address, api, balanceCents, buyWithoutReport, cents, countRows, createBatch, from, isFinal, newAccount, passTime, readyBatch, shipment, untilNotPurchasing, waitFor, shipmentRow } from "../helpers";

const purchase = (key: string, id: string, body: object = {}) => api(key, `/v1/batches/${id}/purchase`, { body });
afterEach(() => vi.restoreAllMocks());

/** The stand-in's shipment behind one of ours. */
async function provider(shipmentId: string) {
  const row = await shipmentRow(shipmentId);
  return standIn.shipments.get(row.provider_shipment_id)!;
}

async function liveReady(n: number, over: (i: number) => Record<string, unknown> = () => ({}), balance = "100000.00") {
  const acct = await newAccount(balance, "live");
  const b = await createBatch(acct.key, { shipments: Array.from({ length: n }, (_, i) => shipment(over(i))) });
  const ready = await waitFor(acct.key, b.id, (x) => x.status !== "validating");
  return { ...acct, b: ready };
}

describe("live rating", () => {
  it("rates each shipment with the provider: its rate to the cent, its shipment created with our reference; a refusal makes only that shipment invalid", async () => {
    const mark = standIn.calls.length;
    const { key, b } = await liveReady(3, (i) => ({
      reference: `live-${i}`, service: ["usps_priority", "ups_ground", "fedex_2day"][i],
      ...(i === 1 ? { to_address: address({ street1: "1 Undeliverable Way" }) } : {}),
    }));
    expect(b.status).toBe("invalid");
    expect(callsSince(mark).filter((c) => c === "POST /shipments")).toHaveLength(3);
    const [usps, bad, fedex] = b.shipments.data;
    expect(bad).toMatchObject({ status: "invalid", errors: { to_address: [expect.stringMatching(/^EasyPost: Address not found/)] } });
    for (const s of [usps, fedex]) {
      const p = await provider(s.id);
      const rate = p.rates.find((r) => serviceFor(r) === s.service)!;
      expect(s).toMatchObject({ status: "valid", rate: { amount: rate.rate, currency: "USD" } });
      expect(p.reference).toBe(s.reference);
      expect(p.options).toMatchObject({ label_format: "PDF" });
      expect(p.parcel).toMatchObject({ weight: 16, length: 10, width: 8, height: 4 });
    }
    // A PATCH rates it again, with a new provider shipment.
    const fixed = await api(key, `/v1/batches/${b.id}/shipments/${bad.id}`, { method: "PATCH", body: { to_address: { street1: "9 Good St" } } });
    expect(fixed.status).toBe(200);
    const after = await waitFor(key, b.id, (x) => x.status !== "validating");
    expect(after.status).toBe("ready");
    expect(after.shipments.data[1].rate.amount).toBe((await provider(bad.id)).rates.find((r) => serviceFor(r) === "ups_ground")!.rate);
  });

  it("no provider rate for the shipment's service is a per-field error naming the service, with the provider's reason", async () => {
    const { b } = await liveReady(2, (i) => ({ service: ["ups_ground", "usps_priority"][i], to_address: address({ state: "AK", city: "Ketchikan", zip: "99950" }) }));
    expect(b.status).toBe("invalid");
    expect(b.shipments.data[0]).toMatchObject({ status: "invalid", errors: { service: [expect.stringMatching(/no UPS Ground rate.*not available to this destination/)] } });
    expect(b.shipments.data[1].status).toBe("valid");
  });

  it("a strategy picks among the provider's own rates and delivery days, from the rating call alone", async () => {
    const mark = standIn.calls.length;
    const { b } = await liveReady(1, () => ({ service: "cheapest", carriers: ["ups", "fedex"] }));
    expect(callsSince(mark)).toEqual(["POST /shipments"]);
    const [s] = b.shipments.data;
    const p = await provider(s.id);
    const ours = p.rates.filter((r) => r.carrier !== "USPS").sort((x, y) => Number(x.rate) - Number(y.rate));
    expect(s).toMatchObject({ status: "valid", service_strategy: { strategy: "cheapest", carriers: ["ups", "fedex"] }, rate: { amount: ours[0].rate, delivery_days: ours[0].delivery_days } });
    expect(serviceFor(ours[0])).toBe(s.service);
  });

  it("test-mode accounts never call the provider", async () => {
    const mark = standIn.calls.length;
    const { key } = await newAccount();
    const b = await readyBatch(key, 2);
    await purchase(key, b.id);
    await waitFor(key, b.id, isFinal);
    await api(key, `/v1/batches/${b.id}/shipments/${b.shipments.data[0].id}/void`, { method: "POST" });
    expect(callsSince(mark)).toEqual([]);
  });

  it("without EASYPOST_API_KEY a live purchase fails with a clear message and buys nothing", async () => {
    const carrier = carrierFor({ ...env, EASYPOST_API_KEY: undefined } as Env, "live", env.DB);
    expect(carrier.rateWithProvider).toBeUndefined();
    const [outcome] = await carrier.purchase([{ service: findService("usps_priority")!, from: from() as any, to: address() as any,
      parcel: { weight_oz: 1, length_in: 1, width_in: 1, height_in: 1 }, idempotency_key: "shp_x", reference: null, attempt: 1 }]);
    expect(outcome).toMatchObject({ ok: false, transient: false, message: expect.stringMatching(/EASYPOST_API_KEY/) });
  });
});

describe("live buying", () => {
  it("buys by rate id, once each; debits exactly the provider's rates; merged files hold the provider's pages", async () => {
    const { key, id, b } = await liveReady(3, (i) => ({ service: ["usps_ground_advantage", "ups_2nd_day_air", "fedex_standard_overnight"][i] }));
    const mark = standIn.calls.length;
    expect((await purchase(key, b.id)).status).toBe(202);
    const done = await waitFor(key, b.id, (x) => isFinal(x) && x.labels.length === 1);
    expect(done).toMatchObject({ status: "completed", counts: { purchased: 3 } });
    const calls = callsSince(mark);
    expect(calls.filter((c) => c.endsWith("/buy"))).toHaveLength(3);
    expect(calls.some((c) => c === "POST /shipments")).toBe(false); // never create-and-buy
    let total = 0;
    for (const s of done.shipments.data) {
      const p = await provider(s.id);
      expect(s.tracking_number).toBe(p.tracking_code);
      expect(s.rate.amount).toBe(p.selected_rate!.rate);
      total += cents(p.selected_rate!.rate);
    }
    expect(cents(done.total_amount)).toBe(total);
    expect(await balanceCents(id)).toBe(10_000_000 - total);
    const file = await (await exports.default.fetch(new Request(done.labels[0].url.replace(/^https?:\/\/[^/]+/, "https://api.test")))).arrayBuffer();
    const merged = await PDFDocument.load(file);
    expect(merged.getPageCount()).toBe(3);
    expect(merged.getPage(0).getSize()).toEqual({ width: 288, height: 432 });
  });

  it("a crash between the provider's answer and our record: the re-sent purchase reads the provider's shipment and adopts the same label", async () => {
    const { key, id, b } = await liveReady(1);
    const lost = vi.spyOn(env.PURCHASE_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
    await purchase(key, b.id);
    // The first consumer bought at the provider and died before reporting.
    const { shipment: s, outcome: first } = await buyWithoutReport(b.id, b.shipments.data[0].id);
    expect(first.status).toBe("purchased");
    lost.mockRestore();
    const mark = standIn.calls.length;
    await passTime(b.id, 21_000);
    const done = await waitFor(key, b.id, isFinal);
    expect(done.shipments.data[0]).toMatchObject({ status: "purchased", tracking_number: first.status === "purchased" && first.tracking_number });
    const calls = callsSince(mark);
    expect(calls).toContain(`GET /shipments/${s.provider_shipment_id}`);
    expect(calls.filter((c) => c.endsWith("/buy"))).toEqual([]);
    expect(await countRows("ledger", "shipment_id = ? AND kind = 'debit'", s.id)).toBe(1);
    expect(await balanceCents(id)).toBe(10_000_000 - cents(done.total_amount));
  });

  it("a redelivered message after the label was sold buys nothing more; SHIPMENT.POSTAGE.EXISTS is read back the same way", async () => {
    const { key, b } = await liveReady(2);
    // The second shipment was bought at the provider by someone else's hand (or a lost first answer).
    const second = b.shipments.data[1];
    const p = await provider(second.id);
    await standIn.handle(new Request(`https://easypost.test/v2/shipments/${p.id}/buy`, {
      method: "POST", headers: { authorization: "Bearer EZAK_standin_live" }, body: JSON.stringify({ rate: { id: p.rates.find((r) => r.service === "Priority")!.id } }),
    }));
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    expect(done.shipments.data[1]).toMatchObject({ status: "purchased", tracking_number: p.tracking_code });
    const mark = standIn.calls.length;
    const batch = createMessageBatch("batch-purchases", b.shipments.data.map((s: any, i: number) => ({ id: `again-${i}`, timestamp: new Date(), attempts: 3, body: { batch_id: b.id, shipment_id: s.id } })));
    await worker.queue(batch as MessageBatch, env);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toHaveLength(2);
    expect(callsSince(mark)).toEqual([]);
  });

  it("429 with Retry-After is waited out and lowers the pace; 500 then success buys once", async () => {
    const { key, b } = await liveReady(2);
    standIn.inject({ method: "POST", path: "/buy$", status: 429, code: "RATE_LIMITED", retry_after: 1 });
    standIn.inject({ method: "POST", path: "/buy$", status: 500 });
    const mark = standIn.calls.length;
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    expect(done).toMatchObject({ status: "completed", counts: { purchased: 2 } });
    const buys = standIn.calls.slice(mark).filter((c) => c.path.endsWith("/buy"));
    expect(buys.length).toBe(4); // two refused (429, 500), two sold
    expect(buys.at(-1)!.at - buys[0].at).toBeGreaterThanOrEqual(950);
    for (const s of done.shipments.data) expect((await provider(s.id)).tracking_code).toBe(s.tracking_number);
  });

  it("402 (the provider's wallet cannot pay) fails that shipment with a message saying so and charges nothing", async () => {
    const { key, id, b } = await liveReady(1);
    standIn.inject({ method: "POST", path: "/buy$", status: 402, code: "PAYMENT.INSUFFICIENT_FUNDS", message: "Wallet balance too low" });
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    expect(done).toMatchObject({ status: "purchase_failed", total_amount: "0.00" });
    expect(done.shipments.data[0].message).toMatch(/wallet.*nothing was charged/i);
    expect(await balanceCents(id)).toBe(10_000_000);
  });
});

describe("live voids and files", () => {
  it("a void asks the provider for a refund first; nothing is credited while the refund is only submitted", async () => {
    const { key, id, b } = await liveReady(2);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const [s1, s2] = done.shipments.data;
    // The provider cannot be asked: nothing changes.
    standIn.inject({ method: "POST", path: "/refund$", status: 503, times: 3 });
    const failed = await api(key, `/v1/batches/${b.id}/shipments/${s1.id}/void`, { method: "POST" });
    expect(failed.status).toBe(500);
    expect((await api(key, `/v1/batches/${b.id}`)).json.counts).toMatchObject({ purchased: 2, voided: 0 });
    expect(await balanceCents(id)).toBe(10_000_000 - cents(done.total_amount));
    const ok = await api(key, `/v1/batches/${b.id}/shipments/${s1.id}/void`, { method: "POST" });
    expect(ok.json).toMatchObject({ status: "voided", refund_status: "submitted" });
    expect((await provider(s1.id)).refund_status).toBe("submitted");
    expect(await balanceCents(id)).toBe(10_000_000 - cents(s1.charged_amount) - cents(s2.charged_amount));
    expect((await api(key, `/v1/batches/${b.id}`)).json).toMatchObject({ counts: { purchased: 1, voided: 1 }, total_amount: s2.charged_amount });
    expect((await api(key, `/v1/batches/${b.id}/shipments/${s1.id}/void`, { method: "POST" })).status).toBe(409);
  });

  it("an EPL2 set is the provider's own EPL2 (EasyPost converts with file_format=EPL2), kept beside the label", async () => {
    const { key, b } = await liveReady(2);
    await purchase(key, b.id);
    await waitFor(key, b.id, (x) => isFinal(x) && x.labels.length === 1);
    const mark = standIn.calls.length;
    await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "epl2" } });
    const done = await waitFor(key, b.id, (x) => x.labels.length === 2);
    expect(callsSince(mark).filter((c) => c.startsWith("GET /shipments/") && c.endsWith("/label"))).toHaveLength(2);
    const get = (url: string) => exports.default.fetch(new Request(url.replace(/^https?:\/\/[^/]+/, "https://api.test")));
    const epl = await (await get(done.labels[1].url)).text();
    expect(epl.match(/^P1$/gm)).toHaveLength(2);
    for (const s of done.shipments.data) expect(epl).toContain(s.tracking_number);
  });

  it("a ZPL set is the provider's own ZPL, and a letter set puts two provider pages on a sheet", async () => {
    const { key, b } = await liveReady(3);
    await purchase(key, b.id);
    await waitFor(key, b.id, (x) => isFinal(x) && x.labels.length === 1);
    await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "zpl", layout: "4x6" } });
    await api(key, `/v1/batches/${b.id}/labels`, { body: { format: "pdf", layout: "letter" } });
    const done = await waitFor(key, b.id, (x) => x.labels.length === 3);
    const get = (url: string) => exports.default.fetch(new Request(url.replace(/^https?:\/\/[^/]+/, "https://api.test")));
    const zpl = await (await get(done.labels.find((f: any) => f.format === "zpl").url)).text();
    expect(zpl.match(/\^XA/g)).toHaveLength(3);
    for (const s of done.shipments.data) expect(zpl).toContain(s.tracking_number);
    const letter = await PDFDocument.load(await (await get(done.labels.find((f: any) => f.layout === "letter").url)).arrayBuffer());
    expect(letter.getPageCount()).toBe(2);
    expect(letter.getPage(0).getSize()).toEqual({ width: 612, height: 792 });
  });

  it("a time-out with a live purchase in flight has the provider refund the label before any credit", async () => {
    const { key, id, b } = await liveReady(1);
    const lost = vi.spyOn(env.PURCHASE_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
    await purchase(key, b.id);
    const { shipment: s } = await buyWithoutReport(b.id, b.shipments.data[0].id);
    expect((await untilNotPurchasing(key, b.id)).status).toBe("timed_out");
    lost.mockRestore();
    await passTime(b.id, 21_000);
    for (let i = 0; i < 100 && (await balanceCents(id)) !== 10_000_000; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await balanceCents(id)).toBe(10_000_000);
    expect((await provider(s.id)).refund_status).toBe("submitted");
    expect((await api(key, `/v1/batches/${b.id}`)).json.shipments.data[0].message).toMatch(/voided/);
  });

  it("scan forms for a live batch are the provider's, one per carrier", async () => {
    const { key, b } = await liveReady(3, (i) => ({ service: ["usps_priority", "ups_ground", "usps_ground_advantage"][i] }));
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const mark = standIn.calls.length;
    expect((await api(key, `/v1/batches/${b.id}/scan_form`, { method: "POST" })).status).toBe(202);
    const res = { json: await waitFor(key, b.id, (x) => x.scan_forms.length > 0 && x.scan_forms.every((f: any) => f.status === "ready")) };
    expect(res.json.scan_forms.map((f: any) => [f.carrier, f.shipment_count]).sort()).toEqual([["ups", 1], ["usps", 2]]);
    expect(callsSince(mark).filter((c) => c === "POST /scan_forms")).toHaveLength(2);
    const ours = done.shipments.data.filter((s: any) => s.carrier === "usps").map((s: any) => s.tracking_number).sort();
    const usps = [...standIn.scanForms.values()].find((f) => (f.tracking_codes as string[]).includes(ours[0]))!;
    expect([...(usps.tracking_codes as string[])].sort()).toEqual(ours);
    const form = await exports.default.fetch(new Request(res.json.scan_forms[0].url.replace(/^https?:\/\/[^/]+/, "https://api.test")));
    expect(form.headers.get("content-type")).toBe("application/pdf");
  });

  it("a submitted refund is followed by the batch's timer until EasyPost decides: refunded credits once; rejected and not_applicable credit nothing and the label stands", async () => {
    const { key, id, b } = await liveReady(3);
    await purchase(key, b.id);
    const done = await waitFor(key, b.id, isFinal);
    const [s1, s2, s3] = done.shipments.data;
    const paid = 10_000_000 - cents(done.total_amount);
    expect(await balanceCents(id)).toBe(paid);
    // The checks the timer sends are delivered here, to the provider queue's consumer, as the queue would.
    const sent = vi.spyOn(env.RATE_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
    const deliver = async () => {
      const bodies = sent.mock.calls.flatMap(([msgs]) => [...msgs].map((m: any) => m.body));
      sent.mockClear();
      const batch = createMessageBatch("batch-rates", bodies.map((body, i) => ({ id: `rc-${Date.now()}-${i}`, timestamp: new Date(), attempts: 1, body })));
      await worker.queue(batch as MessageBatch, env);
      expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toHaveLength(bodies.length);
    };
    for (const s of [s1, s2, s3]) await api(key, `/v1/batches/${b.id}/shipments/${s.id}/void`, { method: "POST" });
    // Nothing is asked before the first check (an hour after the void), nor credited.
    await passTime(b.id, 0);
    expect(sent).not.toHaveBeenCalled();
    expect(await balanceCents(id)).toBe(paid);
    // An hour on: each is asked; EasyPost has decided nothing yet.
    await passTime(b.id, 3_600_000);
    // One message asks about all three.
    expect(sent.mock.calls.flatMap(([msgs]) => [...msgs].map((m: any) => [...m.body.shipment_ids].sort()))).toEqual([[s1.id, s2.id, s3.id].sort()]);
    await deliver();
    expect((await api(key, `/v1/batches/${b.id}`)).json.shipments.data.map((s: any) => s.refund_status)).toEqual(["submitted", "submitted", "submitted"]);
    standIn.decideRefund((await provider(s1.id)).id, "refunded");
    standIn.decideRefund((await provider(s2.id)).id, "rejected");
    standIn.decideRefund((await provider(s3.id)).id, "not_applicable");
    await passTime(b.id, 6 * 3_600_000);
    await deliver();
    const after = (await api(key, `/v1/batches/${b.id}`)).json;
    expect(after.shipments.data.map((s: any) => [s.status, s.refund_status])).toEqual([["voided", "refunded"], ["purchased", "rejected"], ["purchased", "not_applicable"]]);
    expect(after).toMatchObject({ counts: { purchased: 2, voided: 1 }, total_amount: formatCents(cents(s2.charged_amount) + cents(s3.charged_amount)) });
    expect(await balanceCents(id)).toBe(paid + cents(s1.charged_amount));
    // A decision seen twice credits nothing twice; a rejected refund may be asked again.
    await passTime(b.id, 24 * 3_600_000);
    await deliver();
    expect(await countRows("ledger", "shipment_id = ? AND kind = 'credit'", s1.id)).toBe(1);
    sent.mockRestore();
    const again = await api(key, `/v1/batches/${b.id}/shipments/${s2.id}/void`, { method: "POST" });
    expect(again.json).toMatchObject({ status: "voided", refund_status: "submitted" });
    expect(await balanceCents(id)).toBe(paid + cents(s1.charged_amount));
  });
});
