import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { classifyAddress, refuseResolved, refuseTarget } from "../../src/webhooks/targets";
import { deliver } from "../../src/webhooks/deliver";
import { api, createBatch, newAccount } from "../helpers";

afterEach(() => vi.restoreAllMocks());

// [url, allowed for a test key, allowed for a live key]
const TARGETS: [string, boolean, boolean][] = [
  ["https://hooks.example.com/x", true, true],
  ["http://hooks.example.com/x", true, false],
  ["http://localhost:8080/hook", true, false],
  ["http://api.localhost/hook", true, false],
  ["http://127.0.0.1:9000/hook", true, false],
  ["http://127.1.2.3/hook", true, false],
  ["http://[::1]:9000/hook", true, false],
  ["https://169.254.169.254/latest/meta-data", false, false],
  ["https://2852039166/latest/meta-data", false, false], // 169.254.169.254 as one number
  ["https://0xA9FEA9FE/", false, false],
  ["https://[::ffff:169.254.169.254]/", false, false],
  ["https://[::ffff:a9fe:a9fe]/", false, false],
  ["https://[64:ff9b::a9fe:a9fe]/", false, false],
  ["https://[::ffff:0:a9fe:a9fe]/", false, false], // IPv4-translated 169.254.169.254
  ["https://[::a9fe:a9fe]/", false, false], // IPv4-compatible
  ["https://[2002:a9fe:a9fe::1]/", false, false], // 6to4 of 169.254.169.254
  ["https://[fec0::1]/", false, false], // site-local
  ["https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", false, false], // Teredo
  ["https://[ff02::1]/", false, false],
  ["https://192.0.0.8/", false, false],
  ["https://198.18.0.1/", false, false],
  ["https://255.255.255.255/", false, false],
  ["https://[2002:808:808::1]/", true, true], // 6to4 of a public address
  ["https://metadata.google.internal/computeMetadata/v1", false, false],
  ["https://db.corp.internal/", false, false],
  ["https://printer.local/", false, false],
  ["https://intranet/", false, false],
  ["https://10.0.0.8/", false, false],
  ["https://172.20.1.1/", false, false],
  ["https://192.168.1.1/", false, false],
  ["https://100.64.0.1/", false, false],
  ["https://0.0.0.0/", false, false],
  ["https://[fd00::1]/", false, false],
  ["https://[fe80::1]/", false, false],
  ["https://[::]/", false, false],
  ["https://user:pass@hooks.example.com/", false, false],
  ["https://user@hooks.example.com/", false, false],
  ["https://8.8.8.8/hook", true, true],
  ["https://[2606:4700:4700::1111]/hook", true, true],
  ["ftp://hooks.example.com/", false, false],
];

describe("webhook targets", () => {
  it("refuses loopback for live keys, and everything internal for both", () => {
    for (const [url, test, live] of TARGETS) {
      expect(refuseTarget(url, "test") === null, `test ${url}`).toBe(test);
      expect(refuseTarget(url, "live") === null, `live ${url}`).toBe(live);
    }
  });

  it("classifies resolved addresses", () => {
    expect(["8.8.8.8", "10.1.2.3", "127.0.0.1", "::1", "fc00::5", "2001:db8::1", "2a00:1450::1"].map(classifyAddress))
      .toEqual(["public", "internal", "loopback", "loopback", "internal", "internal", "public"]);
    expect(refuseResolved(["8.8.8.8", "10.0.0.5"], "test")).toMatch(/10\.0\.0\.5/);
    expect(refuseResolved(["127.0.0.1"], "test")).toBeNull();
    expect(refuseResolved(["127.0.0.1"], "live")).toMatch(/internal/);
  });

  it("the API refuses them at creation with a validation error on url, and stores nothing", async () => {
    const test = await newAccount();
    const live = await newAccount("1.00", "live");
    for (const [url, okTest, okLive] of TARGETS) {
      for (const [k, ok] of [[test.key, okTest], [live.key, okLive]] as const) {
        const res = await api(k, "/v1/webhooks", { body: { url } });
        if (ok) expect(res.status, url).toBe(201);
        else {
          expect(res.status, url).toBe(400);
          expect(res.json.error.details[0].path).toBe("url");
        }
      }
    }
    const stored = (await api(live.key, "/v1/webhooks?limit=100")).json.data.map((w: any) => w.url);
    expect(stored).toEqual(expect.arrayContaining(["https://hooks.example.com/x", "https://8.8.8.8/hook"]));
    expect(stored).toHaveLength(TARGETS.filter(([, , okLive]) => okLive).length);
  });
});

describe("delivery-time checks", () => {
  async function eventAndHook(url: string, mode: "test" | "live" = "test") {
    const { key, id } = await newAccount("1.00", mode);
    const b = await createBatch(key, {});
    const event = (await api(key, `/v1/events?batch_id=${b.id}`)).json.data[0];
    const hookId = `whk_direct_${crypto.randomUUID()}`;
    // Inserted directly, as a subscription made before these rules would be.
    await env.DB.prepare("INSERT INTO webhooks (id, account_id, mode, url, events, secret, created_at) VALUES (?, ?, ?, ?, '[\"batch.created\"]', 'whsec_dGVzdA==', ?)")
      .bind(hookId, id, mode, url, new Date().toISOString()).run();
    return { key, event, hookId };
  }
  const calls: string[] = [];
  function network(dns: Record<string, string[]>, ttl = 60) {
    calls.length = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(new Request(input, init).url);
      calls.push(url.toString());
      if (url.hostname === "dns.test") {
        const name = url.searchParams.get("name")!;
        const type = url.searchParams.get("type") === "A" ? 1 : 28;
        const data = (dns[name] ?? []).filter((a) => (type === 1) === !a.includes(":"));
        return Response.json({ Status: 0, Answer: data.map((d) => ({ name, type, TTL: ttl, data: d })) });
      }
      return new Response("ok");
    });
  }

  it("a public name that resolves inside is not delivered to; the attempt is recorded as failed", async () => {
    network({ "rebind.example.com": ["10.0.0.5"] });
    const { key, event, hookId } = await eventAndHook("https://rebind.example.com/hook");
    expect(await deliver(env, event.id, hookId, 1)).toBe("refused");
    expect(calls.some((c) => c.startsWith("https://rebind.example.com"))).toBe(false);
    const shown = (await api(key, `/v1/events/${event.id}`)).json.deliveries.find((d: any) => d.webhook_id === hookId);
    expect(shown).toMatchObject({ outcome: "failed", error: expect.stringContaining("10.0.0.5") });
  });

  it("a stored URL that the rules now refuse is not fetched", async () => {
    network({});
    const { event, hookId } = await eventAndHook("http://169.254.169.254/latest/meta-data", "test");
    expect(await deliver(env, event.id, hookId, 1)).toBe("refused");
    expect(calls).toEqual([]);
  });

  it("a name that resolves to public addresses is delivered; one the resolver cannot answer is retried", async () => {
    network({ "ok.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"] });
    const ok = await eventAndHook("https://ok.example.com/hook");
    const outcome = await deliver(env, ok.event.id, ok.hookId, 1);
    expect(outcome, JSON.stringify((await api(ok.key, `/v1/events/${ok.event.id}`)).json.deliveries)).toBe("delivered");
    expect(calls).toContain("https://ok.example.com/hook");
    vi.restoreAllMocks();
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("down", { status: 503 }));
    const later = await eventAndHook("https://later.example.com/hook");
    expect(await deliver(env, later.event.id, later.hookId, 1)).toBe("retry");
  });

  const lookups = () => calls.filter((c) => c.startsWith("https://dns.test/")).length;
  async function later<T>(ms: number, run: () => Promise<T>): Promise<T> {
    const realNow = Date.now;
    Date.now = () => realNow() + ms;
    try {
      return await run();
    } finally {
      Date.now = realNow;
    }
  }

  it("keeps a name's answer for its TTL: many deliveries, one lookup, and a new one after it", async () => {
    network({ "cached.example.com": ["93.184.215.14"] }, 20);
    const a = await eventAndHook("https://cached.example.com/hook");
    const b = await eventAndHook("https://cached.example.com/hook");
    expect(await deliver(env, a.event.id, a.hookId, 1)).toBe("delivered");
    expect(await deliver(env, b.event.id, b.hookId, 1)).toBe("delivered");
    expect(lookups()).toBe(2); // A and AAAA, once
    expect(await later(21_000, () => deliver(env, a.event.id, a.hookId, 2))).toBe("delivered");
    expect(lookups()).toBe(4);
  });

  it("keeps an answer a minute at most, whatever its TTL: a name that moved inside is refused after that", async () => {
    network({ "moved.example.com": ["93.184.215.14"] }, 86_400);
    const { event, hookId } = await eventAndHook("https://moved.example.com/hook");
    expect(await deliver(env, event.id, hookId, 1)).toBe("delivered");
    network({ "moved.example.com": ["10.0.0.7"] }, 86_400);
    expect(await later(61_000, () => deliver(env, event.id, hookId, 2))).toBe("refused");
    expect(calls.some((c) => c.startsWith("https://moved.example.com"))).toBe(false);
  });

  it("does not keep a name that resolves to nothing", async () => {
    network({}, 60);
    const { event, hookId } = await eventAndHook("https://nowhere.example.com/hook");
    await deliver(env, event.id, hookId, 1);
    await deliver(env, event.id, hookId, 2);
    expect(lookups()).toBe(4);
  });
});
