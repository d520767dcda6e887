import { describe, expect, it } from "vitest";
import { estimatedDelivery, federalHolidays } from "../../src/carriers/shopping";
import { api, cents, createBatch, newAccount, settle, shipment, waitFor } from "../helpers";

const parcel = (weight_oz: number, over: Record<string, number> = {}) => ({ weight_oz, length_in: 10, width_in: 8, height_in: 4, ...over });
const shipmentOf = async (key: string, batchId: string, id: string) => (await api(key, `/v1/batches/${batchId}/shipments?include=rates&limit=1000`)).json.data.find((s: any) => s.id === id);
const cheapestOf = (rates: any[]) => [...rates].sort((a, b) => cents(a.amount) - cents(b.amount) || a.delivery_days - b.delivery_days)[0];

describe("delivery dates", () => {
  it("skip Sundays and US federal holidays, observed on a weekday when they fall on a weekend", () => {
    expect(estimatedDelivery("2026-11-21T10:00:00.000Z", 1)).toBe("2026-11-23"); // Saturday + 1: not Sunday
    expect(estimatedDelivery("2026-12-23T10:00:00.000Z", 2)).toBe("2026-12-26"); // Christmas (Friday) is skipped
    expect(estimatedDelivery("2026-11-25T10:00:00.000Z", 1)).toBe("2026-11-27"); // Thanksgiving, 26 November 2026
    expect([...federalHolidays(2026)]).toEqual(expect.arrayContaining(["2026-07-03", "2026-01-19", "2026-05-25", "2026-09-07", "2026-10-12", "2026-11-11"]));
  });
});

describe("rate shopping", () => {
  it("cheapest picks the lowest amount among every service that takes the parcel: a 100 lb parcel leaves USPS out", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { default_service: "cheapest", shipments: [shipment({ parcel: parcel(16) }), shipment({ parcel: parcel(1600) })] });
    expect(b.default_carrier).toBeNull();
    const ready = await settle(key, b.id);
    expect(ready.status).toBe("ready");
    const [light, heavy] = await Promise.all(ready.shipments.data.map((s: any) => shipmentOf(key, b.id, s.id)));
    for (const s of [light, heavy]) {
      expect(s.service_strategy).toEqual({ strategy: "cheapest", max_delivery_days: null, carriers: null });
      const best = cheapestOf(s.rates);
      expect(s).toMatchObject({ service: best.service, carrier: best.carrier, rate: { amount: best.amount, delivery_days: best.delivery_days, estimated_delivery_date: best.estimated_delivery_date } });
      // Sorted cheapest first, every alternative complete.
      expect(s.rates.map((r: any) => cents(r.amount))).toEqual([...s.rates.map((r: any) => cents(r.amount))].sort((x, y) => x - y));
      for (const r of s.rates) expect(Object.keys(r).sort()).toEqual(["amount", "carrier", "currency", "delivery_days", "estimated_delivery_date", "service"]);
    }
    expect(light.rates).toHaveLength(9);
    expect(heavy.rates.map((r: any) => r.carrier)).not.toContain("usps");
    expect(heavy.rates).toHaveLength(6);
  });

  it("fastest picks the fewest days, ties by amount; a delivery bound and an allow-list narrow cheapest", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: [
      shipment({ service: "fastest", parcel: parcel(40) }),
      shipment({ service: "cheapest", max_delivery_days: 2, parcel: parcel(40) }),
      shipment({ service: "cheapest", carriers: ["ups"], parcel: parcel(40) }),
    ] });
    const ready = await settle(key, b.id);
    const [fast, bounded, ups] = await Promise.all(ready.shipments.data.map((s: any) => shipmentOf(key, b.id, s.id)));
    const minDays = Math.min(...fast.rates.map((r: any) => r.delivery_days));
    const fastest = fast.rates.filter((r: any) => r.delivery_days === minDays).sort((x: any, y: any) => cents(x.amount) - cents(y.amount))[0];
    expect(fast.service).toBe(fastest.service);
    expect(bounded.rate.delivery_days).toBeLessThanOrEqual(2);
    expect(bounded.service).toBe(cheapestOf(bounded.rates.filter((r: any) => r.delivery_days <= 2)).service);
    expect(cents(bounded.rate.amount)).toBeGreaterThan(cents(cheapestOf(bounded.rates).amount));
    expect(ups.rates.every((r: any) => r.carrier === "ups")).toBe(true);
    expect(ups).toMatchObject({ carrier: "ups", service: "ups_ground" });
  });

  it("no eligible service is a per-field error saying why", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: [
      // USPS takes this box only by Ground Advantage (length plus girth 120 in), which takes more than 2 days.
      shipment({ service: "cheapest", carriers: ["usps"], max_delivery_days: 2, parcel: parcel(16, { length_in: 40, width_in: 20, height_in: 20 }) }),
      shipment({ service: "fastest", carriers: ["usps"], parcel: parcel(1600) }),
    ] });
    const done = await settle(key, b.id);
    expect(done.status).toBe("invalid");
    expect(done.shipments.data[0].errors.service[0]).toMatch(/^No service \(usps\) delivers within 2 days for 1 lb/);
    expect(done.shipments.data[1].errors.service[0]).toMatch(/^No service \(usps\) takes this parcel of 100 lb/);
  });

  it("a PATCH changes the strategy and the shipment is chosen again; purchase buys what was chosen", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { default_service: "cheapest", shipments: [shipment({ parcel: parcel(40) })] });
    const ready = await settle(key, b.id);
    const before = ready.shipments.data[0];
    const patched = await api(key, `/v1/batches/${b.id}/shipments/${before.id}`, { method: "PATCH", body: { service: "fastest" } });
    expect(patched.json.service_strategy).toMatchObject({ strategy: "fastest" });
    const again = await settle(key, b.id);
    const after = await shipmentOf(key, b.id, before.id);
    expect(after.service).not.toBe(before.service);
    expect(after.rate.delivery_days).toBe(Math.min(...after.rates.map((r: any) => r.delivery_days)));
    expect(again.status).toBe("ready");
    await api(key, `/v1/batches/${b.id}/purchase`, { body: {} });
    const bought = await waitFor(key, b.id, (x) => x.status === "completed");
    expect(bought.shipments.data[0]).toMatchObject({ status: "purchased", service: after.service, rate: { amount: after.rate.amount } });
  });

  it("the batch's rate_summary is the sum of its chosen shipments per service; lists carry rates only when asked", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { default_service: "cheapest", shipments: [16, 40, 1600, 16].map((w) => shipment({ parcel: parcel(w) })) });
    const ready = await settle(key, b.id);
    const sums = new Map<string, { count: number; cents: number }>();
    for (const s of ready.shipments.data) {
      const e = sums.get(s.service) ?? { count: 0, cents: 0 };
      sums.set(s.service, { count: e.count + 1, cents: e.cents + cents(s.rate.amount) });
    }
    expect(ready.rate_summary.map((r: any) => [r.service, r.count, cents(r.amount)]).sort()).toEqual([...sums].map(([k, v]) => [k, v.count, v.cents]).sort());
    expect(ready.shipments.data[0].rates).toBeUndefined();
    expect((await api(key, `/v1/batches/${b.id}?include=rates`)).json.shipments.data[0].rates.length).toBeGreaterThan(0);
  });

  it("a CSV may put cheapest or fastest in service and bound it with max_delivery_days", async () => {
    const { key } = await newAccount();
    const header = "reference,to_name,to_street1,to_city,to_state,to_zip,from_name,from_street1,from_city,from_state,from_zip,weight_oz,length_in,width_in,height_in,service,max_delivery_days";
    const row = (ref: string, service: string, days: string) => `${ref},Ada,1 Main St,Springfield,IL,62701,W,500 Dock Rd,Reno,NV,89501,40,10,8,4,${service},${days}`;
    const form = new FormData();
    form.append("file", new Blob([[header, row("a", "cheapest", "2"), row("b", "fastest", ""), row("c", "cheapest", "two")].join("\n")], { type: "text/csv" }), "s.csv");
    const created = await api(key, "/v1/batches", { raw: form });
    expect(created.status).toBe(202);
    const done = await settle(key, created.json.id);
    const [a, bb, c] = done.shipments.data;
    expect(a.service_strategy).toEqual({ strategy: "cheapest", max_delivery_days: 2, carriers: null });
    expect(a.rate.delivery_days).toBeLessThanOrEqual(2);
    expect(bb.service_strategy).toMatchObject({ strategy: "fastest" });
    expect(c).toMatchObject({ status: "invalid", errors: { max_delivery_days: [expect.stringContaining("two")] } });
  });
});
