// Live tracking: EasyPost's tracker.updated pushes, accepted only with a valid X-Hmac-Signature,
// matched by EasyPost's shipment id, deduplicated, never moving a tracker back; a voided label ignored;
// the daily sweep asks EasyPost about trackers gone quiet.
import { createHmac } from "node:crypto";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { validEasyPostSignature } from "../../src/routes/providers";
import { callsSince, standIn } from "../easypost";
import { api, createBatch, isFinal, newAccount, passTime, shipment, shipmentRow, waitFor } from "../helpers";

const SECRET = "whsec_test_ñ";
afterEach(() => standIn.restoreDefaults());

const sign = (body: string, secret = SECRET) => `hmac-sha256-hex=${createHmac("sha256", secret.normalize("NFKD")).update(body).digest("hex")}`;
async function push(event: unknown, signature?: string | null, raw?: string) {
  const body = raw ?? JSON.stringify(event);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["x-hmac-signature"] = signature ?? sign(body);
  const res = await exports.default.fetch(new Request("https://api.test/v1/providers/easypost/events", { method: "POST", headers, body }));
  return { status: res.status, json: (await res.json()) as any };
}

async function liveBought(n: number) {
  const acct = await newAccount("100000.00", "live");
  const b = await createBatch(acct.key, { shipments: Array.from({ length: n }, () => shipment({ service: "usps_priority" })) });
  await waitFor(acct.key, b.id, (x) => x.status === "ready");
  await api(acct.key, `/v1/batches/${b.id}/purchase`, { body: {} });
  const done = await waitFor(acct.key, b.id, isFinal);
  const ids = await Promise.all(done.shipments.data.map(async (s: any) => (await shipmentRow(s.id)).provider_shipment_id as string));
  return { ...acct, done, ids };
}

describe("EasyPost's signature", () => {
  it("HMAC-SHA256 hex of the raw body, the secret NFKD-normalized; anything else is refused", () => {
    const body = '{"a":1}';
    expect(validEasyPostSignature(SECRET, body, sign(body))).toBe(true);
    expect(validEasyPostSignature(SECRET, body, sign(body).toUpperCase().replace("HMAC-SHA256-HEX=", "hmac-sha256-hex="))).toBe(true);
    expect(validEasyPostSignature(SECRET, '{"a":2}', sign(body))).toBe(false);
    expect(validEasyPostSignature(SECRET, body, sign(body, "other"))).toBe(false);
    expect(validEasyPostSignature(SECRET, body, undefined)).toBe(false);
    expect(validEasyPostSignature(SECRET, body, sign(body).replace("hmac-sha256-hex=", ""))).toBe(false);
    // NFKD: "ñ" composed or decomposed signs the same.
    expect(validEasyPostSignature("whsec_test_n\u0303", body, sign(body))).toBe(true);
    expect(validEasyPostSignature("", body, sign(body, ""))).toBe(false);
  });
});

describe("tracker.updated pushed by EasyPost", () => {
  it("moves the shipment's tracking (one event per change), ignores a replay, an older event, a bad signature, and strangers' shipments", async () => {
    (env as any).EASYPOST_WEBHOOK_SECRET = SECRET;
    const { key, done, ids } = await liveBought(2);
    const [s1] = done.shipments.data;
    const inTransit = standIn.moveTracker(ids[0], "in_transit", "Arrived at USPS Regional Facility", "2030-01-01T10:00:00Z");
    // A bad, missing or wrong-secret signature changes nothing.
    expect((await push(inTransit, sign(JSON.stringify(inTransit), "wrong"))).status).toBe(401);
    expect((await push(inTransit, null)).status).toBe(401);
    expect((await push(inTransit, undefined, JSON.stringify({ ...inTransit, id: "evt_tampered" }).replace("in_transit", "delivered"))).status).toBe(200);
    const tampered = JSON.stringify(inTransit);
    expect((await push(null, sign(tampered), tampered.replace("Regional", "Remote"))).status).toBe(401);
    let b = (await api(key, `/v1/batches/${done.id}`)).json;
    // (the "tampered" event above was signed as sent: a valid push of a delivered status, applied)
    expect(b.shipments.data[0].tracking.status).toBe("delivered");

    // A fresh shipment: in transit, then a replay and an older event do nothing.
    const [, s2] = b.shipments.data;
    const moved = standIn.moveTracker(ids[1], "in_transit", "Arrived at USPS Regional Facility", "2030-01-02T10:00:00Z");
    expect((await push(moved)).json).toEqual({ received: true, applied: true });
    expect((await push(moved)).json).toEqual({ received: true, applied: false });
    const older = { ...moved, id: "evt_older", result: { ...moved.result, status: "pre_transit", updated_at: "2030-01-01T00:00:00Z" } };
    expect((await push(older)).json).toEqual({ received: true, applied: false });
    const out = standIn.moveTracker(ids[1], "out_for_delivery", "Out for Delivery", "2030-01-03T08:00:00Z");
    expect((await push(out)).json.applied).toBe(true);
    b = (await api(key, `/v1/batches/${done.id}`)).json;
    const t2 = b.shipments.data.find((s: any) => s.id === s2.id).tracking;
    expect(t2).toMatchObject({ status: "out_for_delivery", updated_at: "2030-01-03T08:00:00Z" });
    expect(t2.events[0]).toMatchObject({ status: "out_for_delivery", message: "Out for Delivery", city: "Memphis" });
    const events = (await api(key, `/v1/events?type=shipment.tracking_updated&batch_id=${done.id}`)).json.data.filter((e: any) => e.data.shipment_id === s2.id).reverse();
    expect(events.map((e: any) => [e.data.previous_status, e.data.status])).toEqual([["pre_transit", "in_transit"], ["in_transit", "out_for_delivery"]]);
    expect(b.tracking_summary.counts).toEqual({ delivered: 1, out_for_delivery: 1 });

    // Another event type, and a shipment that is not ours: acknowledged, ignored.
    expect((await push({ id: "evt_x", description: "batch.updated", result: {} })).json).toEqual({ received: true, applied: false });
    expect((await push({ ...out, id: "evt_y", result: { ...out.result, shipment_id: "shp_not_ours", updated_at: "2031-01-01T00:00:00Z" } })).json).toEqual({ received: true, applied: false });
    void s1;
  });

  it("a voided label's tracker events change nothing", async () => {
    (env as any).EASYPOST_WEBHOOK_SECRET = SECRET;
    const { key, done, ids } = await liveBought(1);
    const [s] = done.shipments.data;
    expect((await api(key, `/v1/batches/${done.id}/shipments/${s.id}/void`, { method: "POST" })).json.status).toBe("voided");
    const ev = standIn.moveTracker(ids[0], "in_transit", "Arrived", "2030-01-05T10:00:00Z");
    expect((await push(ev)).json).toEqual({ received: true, applied: false });
    const after = (await api(key, `/v1/batches/${done.id}`)).json;
    expect(after.shipments.data[0].tracking).toBeNull();
    expect((await api(key, `/v1/events?type=shipment.tracking_updated&batch_id=${done.id}`)).json.data).toEqual([]);
  });

  it("the daily sweep asks EasyPost about a tracker gone quiet, so a lost push costs a day, not the parcel's story", async () => {
    const { key, done, ids } = await liveBought(1);
    // EasyPost moved the parcel, but its push never came.
    standIn.moveTracker(ids[0], "delivered", "Delivered, In/At Mailbox", "2030-02-01T12:00:00Z");
    const mark = standIn.calls.length;
    await passTime(done.id, 25 * 3_600_000);
    expect((await api(key, `/v1/batches/${done.id}`)).json.shipments.data[0].tracking.status).toBe("pre_transit");
    await passTime(done.id, 25 * 3_600_000);
    const after = await waitFor(key, done.id, (b) => b.shipments.data[0].tracking.status === "delivered");
    expect(after.tracking_summary).toMatchObject({ counts: { delivered: 1 }, delivered_percentage: 100 });
    expect(callsSince(mark).some((c) => c.startsWith("GET /shipments/") || c.startsWith("GET /trackers/"))).toBe(true);
    expect((await api(key, `/v1/events?type=batch.delivered&batch_id=${done.id}`)).json.data).toHaveLength(1);
  });
});
