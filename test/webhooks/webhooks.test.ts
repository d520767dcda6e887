import { createMessageBatch, getQueueResult, createExecutionContext, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { webhookBackoffSeconds } from "../../src/webhooks/messages";
import { api, createBatch, isFinal, newAccount, readyBatch, settle, shipment, waitFor } from "../helpers";

type Call = { url: string; headers: Record<string, string>; body: string; at: number };
let calls: Call[] = [];
let answer: (url: string, signal?: AbortSignal | null) => Promise<Response> = async () => new Response("ok");
const realFetch = globalThis.fetch;

beforeEach(() => {
  calls = [];
  answer = async () => new Response("ok");
  // Outbound calls to hooks.test are answered here; nothing leaves the machine.
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    // The delivery-time DNS check: hooks.test is a public host.
    if (req.url.startsWith("https://dns.test/")) {
      const type = new URL(req.url).searchParams.get("type") === "A" ? 1 : 28;
      return Response.json({ Status: 0, Answer: type === 1 ? [{ name: "hooks.test", type, TTL: 60, data: "93.184.215.14" }] : [] });
    }
    if (!req.url.startsWith("https://hooks.test/")) return realFetch(input, init);
    calls.push({ url: req.url, headers: Object.fromEntries(req.headers), body: await req.text(), at: Date.now() });
    return answer(req.url, init?.signal);
  });
});
afterEach(() => vi.restoreAllMocks());

const subscribe = async (key: string, path: string, events?: string[]) =>
  (await api(key, "/v1/webhooks", { body: { url: `https://hooks.test/${path}`, ...(events ? { events } : {}) } })).json;

async function run(messages: unknown[], queue = "batch-webhooks", attempts = 1) {
  const batch = createMessageBatch(queue, messages.map((body, i) => ({ id: `w-${Math.random()}-${i}`, timestamp: new Date(), attempts, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch, env);
  return getQueueResult(batch, ctx);
}

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("webhook subscriptions", () => {
  it("creates with a secret shown once, lists without it, deletes once", async () => {
    const { key } = await newAccount();
    const other = await newAccount();
    const created = await api(key, "/v1/webhooks", { body: { url: "https://hooks.test/a", events: ["batch.updated"] } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: expect.stringMatching(/^whk_/), object: "webhook", url: "https://hooks.test/a", events: ["batch.updated"] });
    expect(created.json.secret).toMatch(/^whsec_/);
    const list = await api(key, "/v1/webhooks");
    expect(list.json.data).toHaveLength(1);
    expect(list.text).not.toContain(created.json.secret);
    expect((await api(other.key, "/v1/webhooks")).json.data).toHaveLength(0);
    expect((await api(other.key, `/v1/webhooks/${created.json.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await api(key, `/v1/webhooks/${created.json.id}`, { method: "DELETE" })).json).toEqual({ id: created.json.id, object: "webhook", deleted: true });
    expect((await api(key, `/v1/webhooks/${created.json.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("refuses URLs that are not http(s), http in live mode, and unknown events", async () => {
    const { key } = await newAccount();
    const live = await newAccount("1.00", "live");
    for (const [k, body] of [[key, { url: "ftp://x.test/a" }], [key, { url: "not a url" }], [key, { url: "https://hooks.test/a", events: ["batch.exploded"] }],
      [live.key, { url: "http://hooks.test/a" }]] as const) {
      const res = await api(k, "/v1/webhooks", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe("validation_failed");
    }
    expect((await api(live.key, "/v1/webhooks", { body: { url: "https://hooks.test/live" } })).status).toBe(201);
  });
});

describe("deliveries", () => {
  it("every batch event reaches the endpoint, signed so the library's own verifier accepts it", async () => {
    const { key } = await newAccount();
    const hook = await subscribe(key, "signed");
    const b = await createBatch(key, { shipments: [shipment()] });
    await settle(key, b.id);
    const got = await until(() => (calls.filter((c) => c.url.endsWith("/signed")).length >= 2 ? calls : undefined));
    const bodies = got.map((c) => {
      const verified = new Webhook(hook.secret).verify(c.body, c.headers) as any;
      expect(c.headers["webhook-id"]).toBe(verified.id);
      return verified;
    });
    const created = bodies.find((e) => e.type === "batch.created");
    const updated = bodies.find((e) => e.type === "batch.updated");
    expect(created).toMatchObject({ id: expect.stringMatching(/^evt_/), data: { id: b.id, status: "validating" } });
    expect(updated).toMatchObject({ data: { id: b.id, status: "ready", previous_status: "validating" } });
    // A forged body fails the same verifier.
    expect(() => new Webhook(hook.secret).verify(got[0].body.replace(b.id, "batch_forged"), got[0].headers)).toThrow();
  });

  it("a failed attempt is retried with backoff, keeping the same webhook-id; attempts show on the event", async () => {
    const { key } = await newAccount();
    const hook = await subscribe(key, "flaky", ["batch.created"]);
    answer = async () => new Response("down", { status: 503 });
    const b = await createBatch(key, {});
    const event = (await api(key, `/v1/events?batch_id=${b.id}`)).json.data[0];
    const msg = { kind: "delivery", event_id: event.id, webhook_id: hook.id };
    // The fan-out's own delivery fails: the delivery stays owed, and its next attempt is a delayed message.
    const row = () => env.DB.prepare("SELECT status, attempts, next_at FROM webhook_deliveries WHERE event_id = ? AND webhook_id = ?").bind(event.id, hook.id).first<any>();
    for (let i = 0; i < 100 && (await row())?.attempts !== 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await row()).toMatchObject({ status: "owed", attempts: 1 });
    expect(Date.parse((await row()).next_at) - Date.now()).toBeGreaterThan(5_000);
    answer = async () => new Response("ok");
    const second = await run([msg], "batch-webhooks", 1);
    expect(second.explicitAcks).toHaveLength(1);
    expect(await row()).toMatchObject({ status: "delivered", attempts: 2 });
    // A late or repeated message for a delivered delivery sends nothing.
    const before = calls.length;
    await run([msg], "batch-webhooks", 1);
    expect(calls.length).toBe(before);
    const mine = calls.filter((c) => c.url.endsWith("/flaky"));
    expect(new Set(mine.map((c) => c.headers["webhook-id"]))).toEqual(new Set([event.id]));
    const shown = (await api(key, `/v1/events/${event.id}`)).json.deliveries;
    expect(shown).toEqual(expect.arrayContaining([
      expect.objectContaining({ webhook_id: hook.id, attempt: 1, status_code: 503, outcome: "retrying" }),
      expect.objectContaining({ webhook_id: hook.id, attempt: 2, status_code: 200, outcome: "delivered" }),
    ]));
    expect([1, 2, 3, 4, 20].map(webhookBackoffSeconds)).toEqual([10, 20, 40, 80, 3600]);
  });

  it("an event the queue refused is sent by the batch's alarm: nothing lost between commit and send", async () => {
    const { key } = await newAccount();
    await subscribe(key, "owed", ["batch.updated"]);
    const b = await readyBatch(key, 1);
    const stub = env.BATCH.get(env.BATCH.idFromName(b.id));
    const down = async () => {
      throw new Error("queue unavailable");
    };
    let real: Record<string | symbol, unknown> = {};
    // The object's own env, swapped for one whose webhook queue refuses every send.
    const envOf = (instance: unknown) => instance as { env: typeof real };
    await runInDurableObject(stub, (instance) => {
      const obj = envOf(instance);
      real = obj.env;
      obj.env = new Proxy(real, { get: (t, k) => (k === "WEBHOOK_QUEUE" ? { send: down, sendBatch: down } : t[k]) });
    });
    // The cancel commits (and answers) although its event could not be queued.
    expect((await api(key, `/v1/batches/${b.id}/cancel`, { method: "POST" })).json.status).toBe("cancelled");
    const events = (await api(key, `/v1/events?batch_id=${b.id}`)).json.data;
    const cancelled = events.find((e: any) => e.data.status === "cancelled");
    expect(cancelled).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(calls.filter((c) => c.url.endsWith("/owed") && JSON.parse(c.body).id === cancelled.id)).toHaveLength(0);

    await runInDurableObject(stub, (instance) => {
      envOf(instance).env = real;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const got = await until(() => calls.find((c) => c.url.endsWith("/owed") && JSON.parse(c.body).id === cancelled.id));
    expect(JSON.parse(got.body)).toMatchObject({ type: "batch.updated", data: { id: b.id, status: "cancelled" } });
    // Paid once: the alarm that sent it is not set again for a finished batch.
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });

  it("after the last retry the delivery is recorded as failed on the event", async () => {
    const { key } = await newAccount();
    const hook = await subscribe(key, "dead", ["batch.created"]);
    answer = async () => new Response("down", { status: 500 });
    const b = await createBatch(key, {});
    const event = (await api(key, `/v1/events?batch_id=${b.id}`)).json.data[0];
    await run([{ kind: "delivery", event_id: event.id, webhook_id: hook.id }], "batch-webhooks", 9);
    await run([{ kind: "delivery", event_id: event.id, webhook_id: hook.id }], "batch-webhooks-dlq", 1);
    const shown = (await api(key, `/v1/events/${event.id}`)).json.deliveries.filter((d: any) => d.webhook_id === hook.id);
    expect(shown.at(-1)).toMatchObject({ outcome: "failed", error: expect.stringContaining("Gave up") });
  });

  it("a deleted subscription receives nothing more", async () => {
    const { key } = await newAccount();
    const hook = await subscribe(key, "gone");
    await api(key, `/v1/webhooks/${hook.id}`, { method: "DELETE" });
    const b = await createBatch(key, {});
    const event = (await api(key, `/v1/events?batch_id=${b.id}`)).json.data[0];
    // Both paths: the fan-out skips it, and a delivery already queued before the delete is dropped.
    await run([{ kind: "event", event_id: event.id }, { kind: "delivery", event_id: event.id, webhook_id: hook.id }]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(calls.filter((c) => c.url.endsWith("/gone"))).toHaveLength(0);
  });

  it("an endpoint that hangs does not stall the others", async () => {
    const { key } = await newAccount();
    const slow = await subscribe(key, "hang", ["batch.created"]);
    const fast = await subscribe(key, "fast", ["batch.created"]);
    answer = (url, signal) => url.endsWith("/hang")
      ? new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)))
      : Promise.resolve(new Response("ok"));
    const b = await createBatch(key, {});
    const event = (await api(key, `/v1/events?batch_id=${b.id}`)).json.data[0];
    // The fan-out sends both deliveries together: the fast one is answered while the slow one hangs.
    const slowCall = await until(() => calls.find((c) => c.url.endsWith("/hang")));
    const fastCall = await until(() => calls.find((c) => c.url.endsWith("/fast")));
    expect(Math.abs(fastCall.at - slowCall.at)).toBeLessThan(250);
    const shown = await until(async () => {
      const d = (await api(key, `/v1/events/${event.id}`)).json.deliveries;
      return d.some((x: any) => x.webhook_id === slow.id) ? d : undefined;
    });
    expect(shown.find((d: any) => d.webhook_id === slow.id)).toMatchObject({ error: "Timed out", outcome: "retrying" });
    expect(shown.find((d: any) => d.webhook_id === fast.id)).toMatchObject({ status_code: 200, outcome: "delivered" });
  });

  it("another account's events are never delivered to yours", async () => {
    const mine = await newAccount();
    const theirs = await newAccount();
    const hook = await subscribe(mine.key, "mine");
    const b = await createBatch(theirs.key, {});
    const event = (await api(theirs.key, `/v1/events?batch_id=${b.id}`)).json.data[0];
    await run([{ kind: "event", event_id: event.id }, { kind: "delivery", event_id: event.id, webhook_id: hook.id }]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(calls.filter((c) => c.url.endsWith("/mine"))).toHaveLength(0);
    expect((await api(mine.key, `/v1/events/${event.id}`)).status).toBe(404);
  });
});

describe("GET /v1/batches/{id}/stream", () => {
  async function readStream(key: string | null, id: string, url = `https://api.test/v1/batches/${id}/stream`) {
    const { exports } = await import("cloudflare:workers");
    const res = await exports.default.fetch(new Request(url, { headers: key ? { authorization: `Bearer ${key}` } : {} }));
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await res.text(); // ends when the server closes the stream
    return text.split("\n\n").filter((b) => b.startsWith("event: batch")).map((b) => JSON.parse(b.split("\ndata: ")[1]));
  }

  it("sends the state at once, each change, and closes after completed; many clients can watch", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 3);
    const watchers = [readStream(key, b.id), readStream(key, b.id)];
    await new Promise((r) => setTimeout(r, 100));
    await api(key, `/v1/batches/${b.id}/purchase`, { body: {} });
    for (const events of await Promise.all(watchers)) {
      expect(events[0].status).toBe("ready");
      expect(events.map((e) => e.status)).toContain("purchasing");
      expect(events.at(-1)).toMatchObject({ status: "completed", completion_percentage: 100, counts: { purchased: 3 } });
    }
  });

  it("answers a finished batch with its state and closes; another account gets 404", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 1);
    await api(key, `/v1/batches/${b.id}/purchase`, { body: {} });
    await waitFor(key, b.id, isFinal);
    const events = await readStream(key, b.id);
    expect(events).toHaveLength(1);
    expect(events[0].status).toBe("completed");
    const other = await newAccount();
    expect((await api(other.key, `/v1/batches/${b.id}/stream`)).status).toBe(404);
  });

  it("opens without the key through a stream token's link, for five minutes, and the link opens nothing else", async () => {
    const { key } = await newAccount();
    const b = await settle(key, (await createBatch(key, { reference: "stream-token-ref", shipments: [shipment()] })).id);
    const other = await readyBatch(key, 1);
    const before = Date.now();
    // By reference, as any batch route; the link names the batch by id.
    const token = await api(key, `/v1/batches/stream-token-ref/stream_token`, { method: "POST" });
    expect(token.status).toBe(201);
    expect(token.json).toMatchObject({ object: "stream_token", batch_id: b.id });
    const url = new URL(token.json.url);
    expect(url.pathname).toBe(`/v1/batches/${b.id}/stream`);
    const ttl = Date.parse(token.json.expires_at) - before;
    expect(ttl).toBeGreaterThanOrEqual(299_000);
    expect(ttl).toBeLessThanOrEqual(301_000);
    expect(Number(url.searchParams.get("expires")) * 1000).toBe(Date.parse(token.json.expires_at));

    await api(key, `/v1/batches/${b.id}/purchase`, { body: {} });
    const events = await readStream(null, b.id, `https://api.test${url.pathname}${url.search}`);
    expect(events.at(-1)).toMatchObject({ status: "completed", completion_percentage: 100 });

    // The same signature on another batch's stream, on this batch's files or summary, or altered: 401.
    for (const path of [`/v1/batches/${other.id}/stream`, `/v1/batches/${b.id}/labels/1`, `/v1/batches/${b.id}`, `/v1/batches/${b.id}/shipments`]) {
      expect((await api(null, `${path}${url.search}`)).status, path).toBe(401);
    }
    const altered = new URL(url);
    altered.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
    expect((await api(null, `${altered.pathname}${altered.search}`)).status).toBe(401);
    // Another account cannot get a token for it.
    const stranger = await newAccount();
    expect((await api(stranger.key, `/v1/batches/${b.id}/stream_token`, { method: "POST" })).status).toBe(404);
  });

  it("a stream token's link stops opening the stream after five minutes", async () => {
    const { key } = await newAccount();
    const b = await readyBatch(key, 1);
    const realNow = Date.now;
    const token = (await api(key, `/v1/batches/${b.id}/stream_token`, { method: "POST" })).json;
    const url = new URL(token.url);
    try {
      Date.now = () => realNow() + 301_000;
      const late = await api(null, `${url.pathname}${url.search}`);
      expect(late.status).toBe(401);
      expect(late.json.error.code).toBe("unauthorized");
    } finally {
      Date.now = realNow;
    }
  });
});

describe("every webhook event ends delivered or failed", () => {
  const rows = (eventIds: string[]) => env.DB.prepare("SELECT event_id, status, attempts FROM webhook_deliveries WHERE event_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(eventIds)).all<{ event_id: string; status: string; attempts: number }>().then((r) => r.results);

  it("fan-outs and deliveries lost with the queue are sent again by the sweep, each event to each endpoint once", async () => {
    const { sweepWebhooks } = await import("../../src/webhooks/consumer");
    const { key } = await newAccount();
    await subscribe(key, "burst", ["batch.created"]);
    // Every webhook message is caught here instead of queued: a message left here is one the queue
    // lost (a killed server); `pump` hands this test's own messages to the consumer, as the queue would.
    const captured: any[] = [];
    vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch").mockImplementation((async (msgs: any) => { captured.push(...[...msgs].map((m: any) => m.body)); }) as any);
    vi.spyOn(env.WEBHOOK_QUEUE, "send").mockImplementation((async (body: any) => { captured.push(body); }) as any);
    const pump = async (ours: string[], kind?: string) => {
      for (let round = 0; round < 5; round++) {
        const mine = captured.filter((b) => ours.includes(b.event_id) && (!kind || b.kind === kind));
        if (!mine.length) return;
        captured.splice(0, captured.length, ...captured.filter((b) => !mine.includes(b)));
        await run(mine);
      }
    };
    // A burst whose event messages all vanish after the outbox handed them over.
    const batches = [];
    for (let i = 0; i < 5; i++) batches.push(await createBatch(key, {}));
    const events: string[] = [];
    for (const b of batches) events.push((await api(key, `/v1/events?batch_id=${b.id}`)).json.data[0].id);
    captured.length = 0;
    // Not yet overdue: the sweep leaves fresh work alone. (Other tests' leftovers may be swept too.)
    await sweepWebhooks(env);
    expect(captured.filter((b) => events.includes(b.event_id))).toEqual([]);
    expect(await rows(events)).toEqual([]);
    await sweepWebhooks(env, Date.now() + 120_000);
    expect(captured.filter((b) => events.includes(b.event_id)).map((b) => b.kind)).toEqual(["event", "event", "event", "event", "event"]);
    await pump(events);
    expect((await rows(events)).map((r) => r.status)).toEqual(["delivered", "delivered", "delivered", "delivered", "delivered"]);

    // Now the fan-out happens, but the delivery messages it sends are lost.
    const late = await createBatch(key, {});
    const lateEvent = (await api(key, `/v1/events?batch_id=${late.id}`)).json.data[0].id;
    await pump([lateEvent], "event");
    expect(await rows([lateEvent])).toEqual([{ event_id: lateEvent, status: "owed", attempts: 0 }]);
    captured.length = 0;
    expect((await sweepWebhooks(env, Date.now() + 120_000)).deliveries).toBeGreaterThanOrEqual(1);
    await pump([lateEvent]);
    expect(await rows([lateEvent])).toEqual([{ event_id: lateEvent, status: "delivered", attempts: 1 }]);
    const ids = calls.filter((c) => c.url.endsWith("/burst")).map((c) => c.headers["webhook-id"]);
    expect(ids.sort()).toEqual([...events, lateEvent].sort());
  });

  it("a delivery whose attempts run out is failed, and says so on the event", async () => {
    const { key } = await newAccount();
    const hook = await subscribe(key, "down", ["batch.created"]);
    answer = async () => new Response("down", { status: 503 });
    const b = await createBatch(key, {});
    const event = (await api(key, `/v1/events?batch_id=${b.id}`)).json.data[0];
    await until(async () => ((await rows([event.id]))[0]?.attempts === 1 ? true : undefined));
    const { MAX_DELIVERY_ATTEMPTS } = await import("../../src/webhooks/messages");
    await env.DB.prepare("UPDATE webhook_deliveries SET attempts = ? WHERE event_id = ?").bind(MAX_DELIVERY_ATTEMPTS - 1, event.id).run();
    await run([{ kind: "delivery", event_id: event.id, webhook_id: hook.id }]);
    expect(await rows([event.id])).toEqual([{ event_id: event.id, status: "failed", attempts: MAX_DELIVERY_ATTEMPTS }]);
    expect((await api(key, `/v1/events/${event.id}`)).json.deliveries.at(-1)).toMatchObject({ outcome: "failed" });
  });
});

describe("many events at once", () => {
  it("a page of tracking changes is fanned out 100 events a message, and each reaches its endpoint once", async () => {
    const { passTime } = await import("../helpers");
    const { key } = await newAccount();
    await subscribe(key, "tracking", ["shipment.tracking_updated"]);
    const b = await readyBatch(key, 40);
    const sent = vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch");
    await api(key, `/v1/batches/${b.id}/purchase`, { body: {} });
    await waitFor(key, b.id, isFinal);
    await passTime(b.id, 10 * 86_400_000);
    const events: any[] = [];
    for (let page = 1; ; page++) {
      const res = (await api(key, `/v1/events?type=shipment.tracking_updated&batch_id=${b.id}&limit=100&page=${page}`)).json;
      events.push(...res.data);
      if (!res.pagination.has_more) break;
    }
    expect(events.length).toBeGreaterThan(100);
    const grouped = sent.mock.calls.flatMap((c) => c[0] as { body: any }[]).filter((m) => m.body.kind === "events");
    expect(grouped.length).toBeGreaterThan(0);
    expect(grouped.every((m) => m.body.event_ids.length <= 100)).toBe(true);
    const received = await until(() => {
      const ids = calls.filter((c) => c.url.endsWith("/tracking")).map((c) => c.headers["webhook-id"]);
      return new Set(ids).size >= events.length ? ids : undefined;
    }, 20_000);
    expect(new Set(received)).toEqual(new Set(events.map((e: any) => e.id)));
    expect(received.length).toBe(events.length);
  });
});
