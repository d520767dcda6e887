import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { sha256Hex } from "../src/lib/hash";
import { parseAmount } from "../src/lib/money";

let seq = 0;

/** A fresh account with a test key, written straight to D1 as the seed script does. */
export async function newAccount(balance = "1000000.00", mode: "test" | "live" = "test") {
  const id = `acct_test_${Date.now()}_${++seq}`;
  const key = `sk_${mode}_${crypto.randomUUID().replace(/-/g, "")}`;
  const now = new Date().toISOString();
  await env.DB.batch([
    env.DB.prepare("INSERT INTO accounts (id, balance_cents, currency, created_at) VALUES (?, ?, 'USD', ?)").bind(id, parseAmount(balance), now),
    env.DB.prepare("INSERT INTO api_keys (key_hash, account_id, mode, created_at) VALUES (?, ?, ?, ?)").bind(await sha256Hex(key), id, mode, now),
  ]);
  return { id, key };
}

/** Which batch each shipment seen in an answer belongs to (the wire's shipment does not say): for tests that look inside a batch's object. */
export const batchOfShipment = new Map<string, string>();

/** One shipment's row as its batch's object holds it. */
export async function shipmentRow(shipmentId: string): Promise<Record<string, any>> {
  const batchId = batchOfShipment.get(shipmentId);
  if (!batchId) throw new Error(`no batch seen for ${shipmentId}`);
  return (await inBatch(batchId, (db) => db.prepare("SELECT * FROM shipments WHERE id = ?").bind(shipmentId).first()))!;
}

export type Call = { method?: string; body?: unknown; headers?: Record<string, string>; raw?: BodyInit };

/** Calls the Worker's own fetch handler, as a client would. */
export async function api(key: string | null, path: string, init: Call = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (key) headers.authorization ??= `Bearer ${key}`;
  let body: BodyInit | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await exports.default.fetch(new Request(`https://api.test${path}`, { method: init.method ?? (body ? "POST" : "GET"), headers, body }));
  const text = await res.text();
  let json: any = undefined;
  try {
    json = JSON.parse(text);
  } catch {}
  if (json?.object === "batch" && Array.isArray(json.shipments?.data)) for (const sh of json.shipments.data) batchOfShipment.set(sh.id, json.id);
  return { status: res.status, headers: res.headers, json, text };
}

export const address = (over: Record<string, unknown> = {}) => ({
  name: "Ada Lovelace", street1: "1 Main St", city: "Springfield", state: "IL", zip: "62701", country: "US", ...over,
});
export const from = (over: Record<string, unknown> = {}) => address({ name: "Warehouse", street1: "500 Dock Rd", city: "Reno", state: "NV", zip: "89501", ...over });

export const shipment = (over: Record<string, unknown> = {}) => ({
  reference: `order-${++seq}`, from_address: from(), to_address: address(),
  parcel: { weight_oz: 16, length_in: 10, width_in: 8, height_in: 4 }, ...over,
});

/** Runs the batch's pending alarm (validation) now, then returns the batch once it left `validating`. */
export async function settle(key: string, batchId: string) {
  const stub = env.BATCH.get(env.BATCH.idFromName(batchId));
  for (let i = 0; i < 50; i++) {
    await runDurableObjectAlarm(stub);
    const res = await api(key, `/v1/batches/${batchId}`);
    if (res.json.status !== "validating") return res.json;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`batch ${batchId} stayed validating`);
}

export async function createBatch(key: string, body: Record<string, unknown>) {
  const res = await api(key, "/v1/batches", { body: { default_service: "usps_priority", ...body } });
  if (res.status !== 202) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.json;
}

/** Runs `fn` against a batch's own SQLite (its object's), through D1's statement interface as src/db/ does. */
export async function inBatch<T>(batchId: string, fn: (db: D1Database) => Promise<T>): Promise<T> {
  const [{ runInDurableObject }, { LocalSql, asD1 }] = await Promise.all([import("cloudflare:test"), import("../src/batch/local-sql")]);
  return runInDurableObject(env.BATCH.get(env.BATCH.idFromName(batchId)), (_: unknown, state: DurableObjectState) => fn(asD1(new LocalSql(state.storage))));
}

/** How many rows of a table in a batch's object (its shipments, the sandbox carrier's books) match `where`. */
export const countInBatch = (batchId: string, table: string, where = "1=1", ...params: unknown[]) =>
  inBatch(batchId, async (db) => (await db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`).bind(...params).first<{ n: number }>())!.n);

/** How many of a batch's shipments (in its object) match `where`. */
export const countShipments = (batchId: string, where = "1=1", ...params: unknown[]) =>
  inBatch(batchId, async (db) => (await db.prepare(`SELECT COUNT(*) AS n FROM shipments WHERE ${where}`).bind(...params).first<{ n: number }>())!.n);

export const countRows = async (table: string, where = "1=1", ...params: unknown[]) =>
  (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`).bind(...params).first<{ n: number }>())!.n;

/** Polls the batch until `done` holds (real queue consumers and alarms run in the background). */
export async function waitFor(key: string, batchId: string, done: (b: any) => boolean, timeoutMs = 20_000) {
  const stub = env.BATCH.get(env.BATCH.idFromName(batchId));
  const start = Date.now();
  for (;;) {
    const b = (await api(key, `/v1/batches/${batchId}?shipments_limit=1000`)).json;
    if (done(b)) return b;
    if (Date.now() - start > timeoutMs) throw new Error(`batch ${batchId} did not get there: ${b.status} ${JSON.stringify(b.counts)}`);
    if (b.status === "validating") await runDurableObjectAlarm(stub);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const isFinal = (b: any) => ["completed", "purchase_failed", "timed_out", "cancelled", "expired"].includes(b.status);

export async function balanceCents(accountId: string) {
  return (await env.DB.prepare("SELECT balance_cents FROM accounts WHERE id = ?").bind(accountId).first<{ balance_cents: number }>())!.balance_cents;
}

/** A ready batch of `n` valid shipments. */
export async function readyBatch(key: string, n: number, over: (i: number) => Record<string, unknown> = () => ({})) {
  const b = await createBatch(key, { shipments: Array.from({ length: n }, (_, i) => shipment(over(i))) });
  return settle(key, b.id);
}

export const cents = (amount: string) => Math.round(Number(amount) * 100);

/**
 * Lets `ms` pass for a batch's object: every time it has stored (progress, timers, a purchase start)
 * moves that far into the past, then its alarm runs as it would have by then.
 */
export async function passTime(batchId: string, ms: number) {
  const { runInDurableObject } = await import("cloudflare:test");
  const stub: DurableObjectStub = env.BATCH.get(env.BATCH.idFromName(batchId));
  await runInDurableObject(stub, async (instance, state: DurableObjectState) => {
    const s = state.storage;
    for (const key of ["progress_at", "labels_progress_at"]) {
      const v = await s.get<number>(key);
      if (v !== undefined) await s.put(key, v - ms);
    }
    // Voids asked for and not recorded are as old as the time that passed.
    const intents = await s.get<Record<string, number>>("void_intents");
    if (intents) await s.put("void_intents", Object.fromEntries(Object.entries(intents).map(([k, at]) => [k, at - ms])));
    const start = await s.get<{ at: number }>("purchase_start");
    if (start) await s.put("purchase_start", { ...start, at: start.at - ms });
    // Bought parcels' stories (their purchase time and next scan) are as old as the time that passed.
    const hasTracking = s.sql.exec("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'shipments_tracking_due'").one().n as number;
    if (hasTracking) {
      s.sql.exec(`UPDATE shipments SET purchased_at = strftime('%Y-%m-%dT%H:%M:%fZ', purchased_at, '-' || ? || ' seconds'),
        tracking_next_at = tracking_next_at - ? WHERE purchased_at IS NOT NULL`, ms / 1000, ms);
    }
    const timers = (await s.get<Record<string, number>>("timers")) ?? {};
    for (const k of Object.keys(timers)) timers[k] -= ms;
    await s.put("timers", timers);
    // The object caches its timer table; it reads the aged one again.
    const cached = (instance as unknown as { timers?: { cache?: unknown } }).timers;
    if (cached) cached.cache = undefined;
    await s.setAlarm(Date.now());
  });
  await runDurableObjectAlarm(stub);
}

/** Lets quiet time pass, a step at a time, until the batch leaves `purchasing` (re-sends, then the time-out). */
export async function untilNotPurchasing(key: string, batchId: string, stepMs = 300_000) {
  for (let i = 0; i < 8 && (await api(key, `/v1/batches/${batchId}`)).json.status === "purchasing"; i++) await passTime(batchId, stepMs);
  return (await api(key, `/v1/batches/${batchId}`)).json;
}

/** A consumer that bought a shipment at the carrier (debited, sold) and died before reporting it. */
export async function buyWithoutReport(batchId: string, shipmentId: string) {
  const [{ buyShipments }, { getBatchById }, { getShipment }] = await Promise.all([
    import("../src/purchase/buy"), import("../src/db/batches"), import("../src/db/shipments")]);
  const [shipment, batch] = await inBatch(batchId, async (db) => [(await getShipment(db, batchId, shipmentId))!, (await getBatchById(db, batchId))!] as const);
  const [outcome] = await buyShipments(env, batch, [{ shipment, attempt: 1 }]);
  return { shipment, outcome };
}

// Real addresses, written the way each country writes them.
export const ABROAD = {
  CA: { name: "Tom Thomson", street1: "290 Bremner Blvd", city: "Toronto", state: "ON", zip: "M5V 3L9", country: "CA", phone: "+1 416 868 6937" },
  GB: { name: "Ada King", street1: "10 Downing Street", city: "London", zip: "SW1A 2AA", country: "GB", phone: "+44 20 7925 0918" },
  DE: { name: "Jürgen Weiß", street1: "Unter den Linden 77", city: "Berlin", zip: "10117", country: "DE", phone: "+49 30 22610" },
  JP: { name: "Sato Hanako", street1: "1-1 Chiyoda", city: "Chiyoda-ku", state: "Tokyo", zip: "100-8111", country: "JP", phone: "+81 3 3213 1111" },
  AU: { name: "Kylie Brown", street1: "Bennelong Point", city: "Sydney", state: "NSW", zip: "2000", country: "AU", phone: "+61 2 9250 7111" },
  BR: { name: "João Silva", street1: "Av. Paulista 1578", city: "São Paulo", state: "SP", zip: "01310-200", country: "BR", phone: "+55 11 3149 5959" },
  HK: { name: "Chan Tai Man", street1: "1 Harbour Road", city: "Wan Chai", country: "HK", phone: "+852 2582 8888" },
} as const;

/** The batch's object with a D1 that refuses every transaction, until restored. */
export async function d1Down(batchId: string) {
  const { runInDurableObject } = await import("cloudflare:test");
  const stub = env.BATCH.get(env.BATCH.idFromName(batchId));
  let real: Env | undefined;
  await runInDurableObject(stub, (instance) => {
    const obj = instance as unknown as { env: Env };
    real = obj.env;
    const db = new Proxy(real.DB, { get: (t, k) => (k === "batch" ? () => Promise.reject(new Error("D1 unavailable")) : (t as any)[k]?.bind?.(t) ?? (t as any)[k]) });
    obj.env = new Proxy(real, { get: (t, k) => (k === "DB" ? db : (t as any)[k]) });
  });
  return () => runInDurableObject(stub, (instance) => { (instance as unknown as { env: Env }).env = real!; });
}
