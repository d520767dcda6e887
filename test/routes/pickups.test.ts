// Pickups: the window's rules (each bad window refused, nothing asked or charged), one pickup per
// carrier and origin, the money (USPS free, others debited once, cancelled and credited once), the
// event, and a live pickup through EasyPost's stand-in in its recorded shapes.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { applyPickupChange, planPickups, windowErrors, type StoredPickup } from "../../src/batch/pickups";
import { pickupConfirmation, SANDBOX_PICKUP_PRICE } from "../../src/carriers/sandbox";
import { schedulePickups } from "../../src/pickups/work";
import { callsSince, standIn } from "../easypost";
import { api, balanceCents, countRows, createBatch, from, isFinal, newAccount, settle, shipment, waitFor } from "../helpers";

afterEach(() => standIn.restoreDefaults());

/** The next day (from now) that is a pickup day, at `hour` o'clock in New York (UTC−5 in winter, −4 in summer; the offset is what it says). */
function pickupDay(daysAhead = 1, hour = 9, offset = "-05:00") {
  for (let d = daysAhead; ; d++) {
    const day = new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
    if (!windowErrors(`${day}T${String(hour).padStart(2, "0")}:00:00${offset}`, `${day}T17:00:00${offset}`, Date.now(), ["usps", "ups", "fedex"]).length) {
      return { min_datetime: `${day}T${String(hour).padStart(2, "0")}:00:00${offset}`, max_datetime: `${day}T17:00:00${offset}` };
    }
  }
}

async function boughtBatch(key: string, shipments: Record<string, unknown>[]) {
  const b = await settle(key, (await createBatch(key, { shipments: shipments.map((s) => shipment(s)) })).id);
  expect((await api(key, `/v1/batches/${b.id}/purchase`, { body: {} })).status).toBe(202);
  return waitFor(key, b.id, isFinal);
}

describe("the pickup window", () => {
  const now = Date.parse("2026-12-03T15:00:00Z"); // a Thursday
  it("each bad window is refused with the field it concerns", () => {
    expect(windowErrors("tomorrow 9am", "2026-12-04T17:00:00-05:00", now, ["usps"])).toEqual([{ path: "min_datetime", message: "An ISO 8601 time with an offset, like 2026-12-07T09:00:00-05:00" }]);
    expect(windowErrors("2026-12-04T09:00:00", "2026-12-04T17:00:00-05:00", now, ["usps"])[0].path).toBe("min_datetime");
    expect(windowErrors("2026-12-02T09:00:00-05:00", "2026-12-04T17:00:00-05:00", now, ["usps"])).toEqual([{ path: "min_datetime", message: "Must be in the future" }]);
    expect(windowErrors("2026-12-04T17:00:00-05:00", "2026-12-04T09:00:00-05:00", now, ["usps"])).toEqual([{ path: "max_datetime", message: "Must be after min_datetime" }]);
    expect(windowErrors("2026-12-07T09:00:00-05:00", "2026-12-10T17:00:00-05:00", now, ["fedex"])).toEqual([{ path: "max_datetime", message: "FEDEX books pickups at most 5 days ahead" }]);
    expect(windowErrors("2026-12-07T09:00:00-05:00", "2026-12-10T17:00:00-05:00", now, ["usps"])).toEqual([]);
    expect(windowErrors("2026-12-06T09:00:00-05:00", "2026-12-06T17:00:00-05:00", now, ["usps"])).toEqual([
      { path: "min_datetime", message: "2026-12-06 is a Sunday: carriers do not pick up" }, { path: "max_datetime", message: "2026-12-06 is a Sunday: carriers do not pick up" },
    ]);
    expect(windowErrors("2026-12-25T09:00:00-05:00", "2026-12-25T17:00:00-05:00", Date.parse("2026-12-20T12:00:00Z"), ["usps"])[0]).toEqual({ path: "min_datetime", message: "2026-12-25 is a US federal holiday: carriers do not pick up" });
    // The day is the window's own: Saturday 23:30 in Los Angeles is a Saturday, though Sunday in UTC.
    expect(windowErrors("2026-12-05T09:00:00-08:00", "2026-12-05T23:30:00-08:00", now, ["usps"])).toEqual([]);
  });

  it("a change that does not follow from where a pickup is changes nothing", () => {
    const [p] = planPickups([{ id: "shp_1", position: 1, tracking_number: "x", carrier: "ups", service: "ups_ground", weight_oz: 1, cents: 1, from_address: "{}" }], null, { min_datetime: "a", max_datetime: "b", instructions: null }, "now");
    const quoted = applyPickupChange(p, { kind: "quoted", provider_id: "x", cents: 820 })!;
    expect(applyPickupChange(quoted, { kind: "quoted", provider_id: "y", cents: 1 })).toBeNull();
    const scheduled = applyPickupChange(quoted, { kind: "scheduled", confirmation: "C" })!;
    expect(applyPickupChange(scheduled, { kind: "failed", message: "late" })).toBeNull();
    expect(applyPickupChange(scheduled, { kind: "cancelled" })!.status).toBe("cancelled");
    expect(applyPickupChange({ ...scheduled, status: "cancelled" } as StoredPickup, { kind: "cancelled" })).toBeNull();
  });
});

describe("pickups for a batch (sandbox)", () => {
  it("one per carrier and origin, scheduled with a confirmation, each debited what its carrier asks (USPS free), announced by batch.updated", async () => {
    const { key, id: accountId } = await newAccount();
    const done = await boughtBatch(key, [
      { service: "usps_priority" }, { service: "usps_priority" }, { service: "ups_ground" },
      { service: "ups_ground", from_address: from({ street1: "9 Other Rd" }) }, { service: "fedex_ground" },
    ]);
    const before = await balanceCents(accountId);
    const res = await api(key, `/v1/batches/${done.id}/pickups`, { body: { ...pickupDay(), instructions: "Dock door 3" } });
    expect(res.status).toBe(202);
    expect(res.json.pickups.map((p: any) => [p.carrier, p.status, p.shipment_count])).toEqual([["usps", "scheduling", 2], ["ups", "scheduling", 1], ["ups", "scheduling", 1], ["fedex", "scheduling", 1]]);
    const scheduled = await waitFor(key, done.id, (b) => b.pickups.every((p: any) => p.status === "scheduled"));
    const [usps, ups1, ups2, fedex] = scheduled.pickups;
    expect(usps.confirmation).toMatch(/^WTC\d{8}$/);
    expect(ups1.confirmation).toMatch(/^29\d{7}C\d$/);
    expect(fedex.confirmation).toMatch(/^[A-Z]{4}\d{4}$/);
    expect(scheduled.pickups.map((p: any) => p.amount)).toEqual(["0.00", "8.20", "8.20", "5.00"]);
    expect(await balanceCents(accountId)).toBe(before - 2 * SANDBOX_PICKUP_PRICE.ups - SANDBOX_PICKUP_PRICE.fedex);
    expect(await countRows("ledger", "shipment_id IN (?, ?, ?, ?) AND kind = 'debit' AND reason = 'pickup'", usps.id, ups1.id, ups2.id, fedex.id)).toBe(4);
    expect(ups2.confirmation).toBe(pickupConfirmation("ups", ups2.id));
    // Each change of a pickup is a batch.updated event carrying the batch's pickups.
    const events = (await api(key, "/v1/events")).json.data.filter((e: any) => e.type === "batch.updated" && e.data.id === done.id && e.data.pickups.length);
    expect(events.some((e: any) => e.data.pickups.every((p: any) => p.status === "scheduled"))).toBe(true);
    // The list shows them too.
    expect((await api(key, `/v1/batches?reference=${encodeURIComponent(done.reference ?? "")}`)).status).toBe(200);

    // Cancelled: credited once; a second cancel is 409 and credits nothing.
    const cancelled = await api(key, `/v1/batches/${done.id}/pickups/${ups1.id}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.pickups.find((p: any) => p.id === ups1.id).status).toBe("cancelled");
    expect(await balanceCents(accountId)).toBe(before - SANDBOX_PICKUP_PRICE.ups - SANDBOX_PICKUP_PRICE.fedex);
    const again = await api(key, `/v1/batches/${done.id}/pickups/${ups1.id}/cancel`, { method: "POST" });
    expect([again.status, again.json.error.code]).toEqual([409, "invalid_state"]);
    expect(await balanceCents(accountId)).toBe(before - SANDBOX_PICKUP_PRICE.ups - SANDBOX_PICKUP_PRICE.fedex);
    expect((await api(key, `/v1/batches/${done.id}/pickups/pku_nope/cancel`, { method: "POST" })).status).toBe(404);
  });

  it("a bad window is 400 naming the field, and nothing is asked for or charged; a batch with nothing bought is 409; another account sees nothing", async () => {
    const { key, id: accountId } = await newAccount();
    const done = await boughtBatch(key, [{ service: "ups_ground" }]);
    const before = await balanceCents(accountId);
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const bad = await api(key, `/v1/batches/${done.id}/pickups`, { body: { min_datetime: `${day}T09:00:00-05:00`, max_datetime: `${day}T17:00:00-05:00` } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: "validation_failed", details: [{ path: "min_datetime", message: "Must be in the future" }] });
    const noOffset = await api(key, `/v1/batches/${done.id}/pickups`, { body: { min_datetime: "2026-12-07T09:00:00", max_datetime: "2026-12-07T17:00:00" } });
    expect(noOffset.json.error.details.map((d: any) => d.path)).toEqual(["min_datetime", "max_datetime"]);
    expect((await api(key, `/v1/batches/${done.id}/pickups`, { body: { ...pickupDay(), extra: 1 } })).status).toBe(400);
    expect((await api(key, `/v1/batches/${done.id}`)).json.pickups).toEqual([]);
    expect(await balanceCents(accountId)).toBe(before);
    // Only USPS asked, and the batch has none: nothing to pick up.
    const none = await api(key, `/v1/batches/${done.id}/pickups`, { body: { ...pickupDay(), carriers: ["usps"] } });
    expect([none.status, none.json.error.code]).toEqual([409, "invalid_state"]);
    const ready = await settle(key, (await createBatch(key, { shipments: [shipment()] })).id);
    expect((await api(key, `/v1/batches/${ready.id}/pickups`, { body: pickupDay() })).status).toBe(409);
    const other = await newAccount();
    expect((await api(other.key, `/v1/batches/${done.id}/pickups`, { body: pickupDay() })).status).toBe(404);
  });

  it("a pickup the balance cannot cover fails and is not booked; one the carrier will not serve fails, nothing charged", async () => {
    const { key, id: accountId } = await newAccount("100.00");
    const done = await boughtBatch(key, [{ service: "ups_ground" }]);
    await env.DB.prepare("UPDATE accounts SET balance_cents = 500 WHERE id = ?").bind(accountId).run();
    await api(key, `/v1/batches/${done.id}/pickups`, { body: pickupDay() });
    const failed = await waitFor(key, done.id, (b) => b.pickups[0]?.status === "failed");
    expect(failed.pickups[0]).toMatchObject({ status: "failed", message: "Insufficient prepay balance", confirmation: null });
    expect(await balanceCents(accountId)).toBe(500);
    await env.DB.prepare("UPDATE accounts SET balance_cents = 10000 WHERE id = ?").bind(accountId).run();
    await api(key, `/v1/batches/${done.id}/pickups`, { body: { ...pickupDay(), instructions: "sandbox:decline" } });
    const declined = await waitFor(key, done.id, (b) => b.pickups[1]?.status === "failed");
    expect(declined.pickups[1].message).toBe("No pickup is available at this address in that window (sandbox)");
    expect(await balanceCents(accountId)).toBe(10000);
  });

  it("a redelivered job books nothing twice and charges once", async () => {
    const { key, id: accountId } = await newAccount();
    const done = await boughtBatch(key, [{ service: "fedex_ground" }]);
    const before = await balanceCents(accountId);
    const res = await api(key, `/v1/batches/${done.id}/pickups`, { body: pickupDay() });
    const job = { kind: "pickups" as const, batch_id: done.id, pickup_ids: [res.json.pickups[0].id] };
    // The same job three times over, as a queue may deliver it.
    await Promise.all([schedulePickups(env, job), schedulePickups(env, job), schedulePickups(env, job)]);
    const after = await waitFor(key, done.id, (b) => b.pickups[0].status === "scheduled");
    expect(after.pickups[0].amount).toBe("5.00");
    expect(await balanceCents(accountId)).toBe(before - 500);
    expect(await countRows("ledger", "shipment_id = ?", after.pickups[0].id)).toBe(1);
  });
});

describe("a pickup is owed work", () => {
  it("a pickup whose message was lost is scheduled by the batch's alarm, charged once", async () => {
    const { vi } = await import("vitest");
    const { passTime } = await import("../helpers");
    const { key, id: accountId } = await newAccount();
    const done = await boughtBatch(key, [{ service: "ups_ground" }]);
    const before = await balanceCents(accountId);
    const lost = vi.spyOn(env.LABEL_QUEUE, "send").mockResolvedValue(undefined as never);
    await api(key, `/v1/batches/${done.id}/pickups`, { body: pickupDay() });
    expect(lost).toHaveBeenCalled();
    lost.mockRestore();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await api(key, `/v1/batches/${done.id}`)).json.pickups[0].status).toBe("scheduling");
    await passTime(done.id, 60_000);
    const after = await waitFor(key, done.id, (b) => b.pickups[0].status === "scheduled");
    expect(after.pickups[0].amount).toBe("8.20");
    expect(await balanceCents(accountId)).toBe(before - 820);
  });
});

describe("pickups, live (EasyPost's pickups)", () => {
  it("creates EasyPost's pickup with a bought shipment, buys its carrier's rate, debits what EasyPost asks, and cancels it", async () => {
    const { key, id: accountId } = await newAccount("100000.00", "live");
    const done = await boughtBatch(key, [{ service: "ups_ground" }, { service: "ups_ground" }]);
    expect(done.status).toBe("completed");
    const before = await balanceCents(accountId);
    const mark = standIn.calls.length;
    await api(key, `/v1/batches/${done.id}/pickups`, { body: pickupDay() });
    const scheduled = await waitFor(key, done.id, (b) => b.pickups[0]?.status === "scheduled");
    const calls = callsSince(mark);
    expect(calls.filter((c) => c === "POST /pickups")).toHaveLength(1);
    const created = standIn.calls.slice(mark).find((c) => c.path === "/pickups")!.body.pickup;
    expect(created).toMatchObject({ min_datetime: pickupDay().min_datetime, shipment: { id: expect.stringMatching(/^shp_/) }, address: { street1: "500 Dock Rd" } });
    const buy = standIn.calls.slice(mark).find((c) => /\/pickups\/pickup_\w+\/buy$/.test(c.path))!;
    expect(buy.body).toEqual({ carrier: expect.stringMatching(/^UPS/), service: "Future-day Pickup" });
    expect(scheduled.pickups[0]).toMatchObject({ amount: "8.20", confirmation: expect.stringMatching(/^UPS\d{9}$/) });
    expect(await balanceCents(accountId)).toBe(before - 820);
    const cancelled = await api(key, `/v1/batches/${done.id}/pickups/${scheduled.pickups[0].id}/cancel`, { method: "POST" });
    expect(cancelled.json.pickups[0].status).toBe("cancelled");
    expect([...standIn.pickups.values()].at(-1)!.status).toBe("canceled");
    expect(await balanceCents(accountId)).toBe(before);
  });

  it("a pickup EasyPost quoted but would not book is credited back, once, and fails with EasyPost's words", async () => {
    const { key, id: accountId } = await newAccount("100000.00", "live");
    const done = await boughtBatch(key, [{ service: "fedex_ground" }]);
    const before = await balanceCents(accountId);
    standIn.inject({ method: "POST", path: "^/pickups/pickup_\\w+/buy$", status: 422, code: "PICKUP.BUY.NO_MATCHING_RATES", message: "Unable to purchase pickup, no rates matching your request were found." });
    await api(key, `/v1/batches/${done.id}/pickups`, { body: pickupDay() });
    const failed = await waitFor(key, done.id, (b) => b.pickups[0]?.status === "failed");
    expect(failed.pickups[0]).toMatchObject({ amount: "5.00", message: "EasyPost: Unable to purchase pickup, no rates matching your request were found." });
    expect(await balanceCents(accountId)).toBe(before);
    expect(await countRows("ledger", "shipment_id = ?", failed.pickups[0].id)).toBe(2);
  });
});
