// Tracking: the sandbox's deterministic stories, each status change one event in order, the batch's
// summary exact, a voided label no longer tracked, the tracking_status filter.
import { describe, expect, it } from "vitest";
import { sandboxStory, FINAL_TRACKING } from "../../src/carriers/sandbox/tracking-story";
import { advanceSandbox, moveSummary, movesExceptions, summarize, type TrackingMove } from "../../src/batch/tracking";
import { address, api, countInBatch, createBatch, d1Down, from, inBatch, isFinal, newAccount, passTime, settle, shipment, waitFor } from "../helpers";

const DAY = 86_400_000;

describe("the sandbox's story of a parcel", () => {
  it("is the same for the same shipment id and differs across ids; scans move forward in time", () => {
    const a = sandboxStory("shp_A", from() as any, address() as any, 3, 0.03);
    expect(sandboxStory("shp_A", from() as any, address() as any, 3, 0.03)).toEqual(a);
    expect(sandboxStory("shp_B", from() as any, address() as any, 3, 0.03)).not.toEqual(a);
    for (const id of ["shp_1", "shp_2", "shp_3", "shp_4"]) {
      const story = sandboxStory(id, from() as any, address() as any, 5, 0.03);
      expect(story[0]).toMatchObject({ hours: 0, status: "pre_transit", city: "Reno", state: "NV" });
      expect(story.map((s) => s.hours)).toEqual([...story.map((s) => s.hours)].sort((x, y) => x - y));
      expect(FINAL_TRACKING).toContain(story.at(-1)!.status);
    }
  });

  it("ends delivered at an exception rate of 0, in an exception at 1", () => {
    for (let i = 0; i < 20; i++) {
      expect(sandboxStory(`shp_${i}`, from() as any, address() as any, 3, 0).at(-1)!.status).toBe("delivered");
      const exceptional = sandboxStory(`shp_${i}`, from() as any, address() as any, 3, 1);
      expect(exceptional.some((s) => ["failure", "available_for_pickup", "return_to_sender"].includes(s.status))).toBe(true);
    }
  });

  it("advances by simulated time: at speed 100,000 a few days' story is told in seconds", () => {
    const src = { id: "shp_speed", purchased_at: new Date(0).toISOString(), from_address: from() as any, to_address: address() as any, delivery_days: 3, tracking: null };
    const story = sandboxStory(src.id, src.from_address, src.to_address, 3, 0);
    const end = (story.at(-1)!.hours * 3_600_000) / 100_000;
    expect(advanceSandbox(src, end - 1, 100_000, 0).tracking.status).not.toBe("delivered");
    const done = advanceSandbox(src, end, 100_000, 0);
    expect(done).toMatchObject({ next_at: null, tracking: { status: "delivered", est_delivery_date: null } });
    expect(done.tracking.events.map((e) => e.status)).toEqual(story.map((s) => s.status).reverse());
    // pre_transit is where every bought label starts (its purchase): not a change.
    expect(done.changes).toEqual(["in_transit", "out_for_delivery", "delivered"]);
  });
});

describe("the batch's summary, moved by each page instead of counted again", () => {
  it("equals counting the shipments afresh after any moves: new labels, scans, voids", () => {
    const held = new Map<string, string | null>();
    const count = () => {
      const n: Record<string, number> = {};
      for (const st of held.values()) if (st) n[st] = (n[st] ?? 0) + 1;
      return summarize(Object.entries(n).map(([tracking_status, k]) => ({ tracking_status: tracking_status as any, n: k })), []);
    };
    const statuses = ["pre_transit", "in_transit", "out_for_delivery", "delivered", "failure", "return_to_sender", null] as const;
    let summary = count();
    // A fixed walk (a linear congruence) over 40 shipments: any status to any, and untracked (voided).
    let seed = 7;
    for (let page = 0; page < 50; page++) {
      const moves: TrackingMove[] = [];
      for (let i = 0; i < 8; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const id = `shp_${seed % 40}`;
        if (moves.some((m: any) => m.id === id)) continue;
        const to = statuses[(seed >> 8) % statuses.length];
        moves.push({ id, from: (held.get(id) ?? null) as any, to } as TrackingMove);
        held.set(id, to);
      }
      summary = moveSummary(summary, moves);
      expect(summary).toEqual(count());
    }
    expect(summary.tracked).toBeGreaterThan(0);
  });

  it("asks for the exceptions again only when a move enters or leaves one", () => {
    expect(movesExceptions([{ from: "pre_transit", to: "in_transit" }, { from: "in_transit", to: "delivered" }])).toBe(false);
    expect(movesExceptions([{ from: "in_transit", to: "failure" }])).toBe(true);
    expect(movesExceptions([{ from: "available_for_pickup", to: "delivered" }])).toBe(true);
    expect(movesExceptions([{ from: "return_to_sender", to: null }])).toBe(true);
    expect(movesExceptions([{ from: "failure", to: "failure" }])).toBe(false);
  });
});

describe("a bought batch, tracked (sandbox)", () => {
  it("every status change is one event in order; the summary stays exact; batch.delivered once all arrived; the filter finds each status", async () => {
    const { key } = await newAccount();
    const b = await settle(key, (await createBatch(key, { shipments: Array.from({ length: 6 }, () => shipment()) })).id);
    await api(key, `/v1/batches/${b.id}/purchase`, { body: {} });
    let done = await waitFor(key, b.id, isFinal);
    expect(done.tracking_summary).toMatchObject({ counts: { pre_transit: 6 }, tracked: 6, delivered_percentage: 0, exceptions: [] });
    expect(done.shipments.data.every((s: any) => s.tracking.status === "pre_transit" && s.tracking.events[0].message.startsWith("Shipping label created"))).toBe(true);

    // A voided label is tracked no more.
    const [voided] = done.shipments.data;
    await api(key, `/v1/batches/${b.id}/shipments/${voided.id}/void`, { method: "POST" });
    expect((await api(key, `/v1/batches/${b.id}`)).json.tracking_summary).toMatchObject({ counts: { pre_transit: 5 }, tracked: 5 });

    // A day and a half later, then ten days later.
    for (const ms of [1.5 * DAY, 10 * DAY]) {
      await passTime(b.id, ms);
      done = (await api(key, `/v1/batches/${b.id}?shipments_limit=100`)).json;
      const tracked = done.shipments.data.filter((s: any) => s.status === "purchased");
      const counts: Record<string, number> = {};
      for (const s of tracked) counts[s.tracking.status] = (counts[s.tracking.status] ?? 0) + 1;
      expect(done.tracking_summary.counts).toEqual(counts);
      expect(done.tracking_summary.tracked).toBe(tracked.length);
      for (const [status, n] of Object.entries(counts)) {
        expect((await api(key, `/v1/batches/${b.id}/shipments?tracking_status=${status}`)).json.data).toHaveLength(n);
      }
      if (ms === 1.5 * DAY) {
        // A label voided part-way through its story leaves the count of the status it was in.
        expect(tracked).toHaveLength(5);
        const moving = tracked.find((s: any) => s.tracking.status !== "pre_transit") ?? tracked[0];
        await api(key, `/v1/batches/${b.id}/shipments/${moving.id}/void`, { method: "POST" });
        const after = (await api(key, `/v1/batches/${b.id}`)).json.tracking_summary;
        expect(after.tracked).toBe(4);
        expect(after.counts[moving.tracking.status] ?? 0).toBe(counts[moving.tracking.status] - 1);
      }
    }
    expect(done.shipments.data.find((s: any) => s.id === voided.id).tracking).toBeNull();
    const stories = done.shipments.data.filter((s: any) => s.status === "purchased");
    // Every story has ended: each shipment shows its last scan, and its events are its scans, newest first.
    for (const s of stories) {
      expect(FINAL_TRACKING).toContain(s.tracking.status);
      expect(s.tracking.events.at(-1).status).toBe("pre_transit");
      expect(s.tracking.events.length).toBeGreaterThanOrEqual(4);
    }
    // One event per change, in order, per shipment; none for the voided label.
    const events = (await api(key, `/v1/events?type=shipment.tracking_updated&batch_id=${b.id}&limit=100`)).json.data;
    expect(events.some((e: any) => e.data.shipment_id === voided.id)).toBe(false);
    for (const s of stories) {
      const mine = events.filter((e: any) => e.data.shipment_id === s.id).reverse();
      const path = mine.map((e: any) => e.data.status);
      expect(mine[0].data.previous_status).toBe("pre_transit");
      for (let i = 1; i < mine.length; i++) expect(mine[i].data.previous_status).toBe(mine[i - 1].data.status);
      // A change each: never an event that repeats the status before it (a story may pass a status twice: returned parcels).
      for (const e of mine) expect(e.data.status).not.toBe(e.data.previous_status);
      expect(path.at(-1)).toBe(s.tracking.status);
      // Exactly the story's changes of status, once each: read from its scans, oldest first.
      const scans = [...s.tracking.events].reverse().map((e: any) => e.status);
      const expected: string[] = [];
      let at = "pre_transit";
      for (const st of scans) if (st !== at) expected.push((at = st));
      expect(path).toEqual(expected);
    }
    const arrived = stories.every((s: any) => ["delivered", "return_to_sender"].includes(s.tracking.status));
    const delivered = (await api(key, `/v1/events?type=batch.delivered&batch_id=${b.id}`)).json.data;
    expect(delivered).toHaveLength(arrived ? 1 : 0);
    expect(done.tracking_summary.exceptions.map((x: any) => x.shipment_id)).toEqual(stories.filter((s: any) => ["failure", "return_to_sender", "available_for_pickup"].includes(s.tracking.status)).map((s: any) => s.id));
  });
});

describe("a label bought before its tracking status was kept", () => {
  it("is counted as newly tracked when its first scan arrives, so the summary equals a fresh count", async () => {
    const { key } = await newAccount();
    const b = await settle(key, (await createBatch(key, { shipments: Array.from({ length: 3 }, () => shipment()) })).id);
    await api(key, `/v1/batches/${b.id}/purchase`, { body: {} });
    await waitFor(key, b.id, isFinal);
    // What an older release left: one bought label with no tracking status, and a summary that (as a
    // fresh count does) does not count it.
    await inBatch(b.id, async (db) => {
      await db.prepare("UPDATE shipments SET tracking_status = NULL WHERE id = (SELECT id FROM shipments WHERE batch_id = ? ORDER BY position LIMIT 1)").bind(b.id).run();
      await db.prepare("UPDATE batches SET tracking_summary = ? WHERE id = ?")
        .bind(JSON.stringify({ counts: { pre_transit: 2 }, tracked: 2, delivered_percentage: 0, exceptions: [] }), b.id).run();
    });
    await passTime(b.id, 1.5 * DAY);
    const done = (await api(key, `/v1/batches/${b.id}?shipments_limit=100`)).json;
    const counts: Record<string, number> = {};
    for (const s of done.shipments.data) counts[s.tracking.status] = (counts[s.tracking.status] ?? 0) + 1;
    expect(done.tracking_summary.counts).toEqual(counts);
    expect(done.tracking_summary.tracked).toBe(3);
  });
});

describe("tracking events across a restart", () => {
  it("status changes made while D1 is unreachable are kept with them and reach /v1/events later, each once, in order", async () => {
    const { key } = await newAccount();
    const b = await settle(key, (await createBatch(key, { shipments: [shipment(), shipment()] })).id);
    await api(key, `/v1/batches/${b.id}/purchase`, { body: {} });
    await waitFor(key, b.id, isFinal);
    const restore = await d1Down(b.id);
    await passTime(b.id, 10 * DAY);
    expect((await api(key, `/v1/events?type=shipment.tracking_updated&batch_id=${b.id}`)).json.data).toEqual([]);
    const owed = await countInBatch(b.id, "pending_events");
    expect(owed).toBeGreaterThanOrEqual(6);
    await restore();
    await passTime(b.id, 10_000);
    await passTime(b.id, 10_000);
    const events = (await api(key, `/v1/events?type=shipment.tracking_updated&batch_id=${b.id}&limit=100`)).json.data;
    const done = (await api(key, `/v1/batches/${b.id}`)).json;
    for (const s of done.shipments.data) {
      const mine = events.filter((e: any) => e.data.shipment_id === s.id).reverse();
      expect(mine[0].data.previous_status).toBe("pre_transit");
      for (let i = 1; i < mine.length; i++) expect(mine[i].data.previous_status).toBe(mine[i - 1].data.status);
      expect(mine.at(-1).data.status).toBe(s.tracking.status);
      const scans = [...s.tracking.events].reverse().map((e: any) => e.status);
      const expected: string[] = [];
      let at = "pre_transit";
      for (const st of scans) if (st !== at) expected.push((at = st));
      expect(mine.map((e: any) => e.data.status)).toEqual(expected);
    }
    expect(new Set(events.map((e: any) => e.id)).size).toBe(events.length);
    expect(await countInBatch(b.id, "pending_events")).toBe(0);
  });
});
