// `npm run capacity`: what one shipment costs in storage and traffic, counted (not timed), for a 1,000
// and a 10,000 batch: created, validated, bought, merged files written, and one more label set. It runs
// the service as `npm run dev` does, with its state on tmpfs and CAPACITY_COUNTERS=1, which counts every
// D1 statement's rows read and written (as D1 reports them) and every queue message (src/lib/capacity.ts).
// After each batch it reads the stores themselves: D1's rows and bytes by table (SQLite's dbstat on
// Miniflare's file), the batch objects' storage files, and R2's blobs. Sizes: `npm run capacity -- 1000`.
// docs/scaling.md turns the figures into ceilings.
import { mkdtempSync, readdirSync, rmSync, statSync, statfsSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { destination } from "./destinations.mjs";
import { spawnWranglerDev, waitUntilUp } from "./wrangler-dev.mjs";

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
if (!sizes.length) sizes.push(1000, 10000);
const roomGiB = (path) => { try { const s = statfsSync(path); return (s.bavail * s.bsize) / 2 ** 30; } catch { return 0; } };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const { createAccount, migrateLocal } = await import("./local-d1.mjs");

// One server at a time, each on its own throw-away state: the second pass (tracking) runs parcels'
// stories at TRACKING_SPEED times real time, so a delivered batch can be counted in seconds.
let base, dir, auth, server;
const servers = [];
process.on("exit", () => { for (const s of servers) { try { process.kill(-s.server.pid, "SIGTERM"); } catch {} rmSync(s.dir, { recursive: true, force: true }); } });
process.on("SIGINT", () => process.exit(130));
async function startServer(port, extraVars = []) {
  dir = mkdtempSync(join(roomGiB("/dev/shm") >= 2 ? "/dev/shm" : os.tmpdir(), "batch-labels-capacity-"));
  process.env.BATCH_LABELS_PERSIST = dir;
  migrateLocal();
  const { key } = createAccount("100000000.00");
  auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  base = `http://127.0.0.1:${port}`;
  server = spawnWranglerDev(["--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(port + 1000), "--persist-to", dir,
    "--var", `PUBLIC_BASE_URL:${base}`, "--var", "LABEL_SIGNING_SECRET:capacity-only-secret", "--var", "CAPACITY_COUNTERS:1", ...extraVars, "--log-level", "error"],
  { stdio: ["ignore", "ignore", "inherit"], detached: true });
  servers.push({ server, dir });
  await waitUntilUp(base, server);
}
function stopServer() {
  try { process.kill(-server.pid, "SIGTERM"); } catch {}
}
const port = Number(process.env.CAPACITY_PORT ?? 8791);
await startServer(port);
const call = async (path, init) => (await fetch(`${base}${path}`, { headers: auth, ...init })).json();

/** Every file below `path` (recursively) whose name passes `keep`, and their bytes. */
function files(path, keep = () => true) {
  let out = [];
  try {
    for (const e of readdirSync(path, { withFileTypes: true })) {
      const p = join(path, e.name);
      if (e.isDirectory()) out = out.concat(files(p, keep));
      else if (keep(p)) out.push({ path: p, bytes: statSync(p).size });
    }
  } catch {}
  return out;
}
const sum = (list) => list.reduce((a, f) => a + f.bytes, 0);
const d1File = () => files(join(dir, "v3", "d1"), (p) => p.endsWith(".sqlite")).find((f) => !f.path.includes("metadata"))?.path;

/** D1's rows and bytes (tables with their indexes, from dbstat) by table. */
function d1Tables() {
  const db = new DatabaseSync(d1File(), { readOnly: true });
  try {
    const owner = new Map(db.prepare("SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')").all().map((r) => [r.name, r.tbl_name]));
    const bytes = {};
    for (const r of db.prepare("SELECT name, SUM(pgsize) AS b FROM dbstat GROUP BY name").all()) {
      const t = owner.get(r.name) ?? r.name;
      if (t.startsWith("sqlite_") || t.startsWith("_cf") || t === "d1_migrations") continue;
      bytes[t] = (bytes[t] ?? 0) + r.b;
    }
    const out = {};
    for (const t of Object.keys(bytes)) out[t] = { rows: db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get().n, bytes: bytes[t] };
    return out;
  } finally {
    db.close();
  }
}

const shipment = (i) => ({
  reference: `capacity-${i}`,
  from_address: { name: "Capacity Warehouse", street1: "500 Dock Rd", city: "Reno", state: "NV", zip: "89501" },
  to_address: { name: `Customer ${i}`, street1: `${1 + (i % 9000)} Main St`, ...destination(i) },
  parcel: { weight_oz: 1 + (i % 200), length_in: 10, width_in: 8, height_in: 4 },
});

async function until(path, done, timeoutMs = 600_000) {
  const start = Date.now();
  for (;;) {
    const b = await call(path);
    if (done(b)) return b;
    if (Date.now() - start > timeoutMs) throw new Error(`${path} did not get there: ${b.status}`);
    await sleep(250);
  }
}

const results = [];
/** One batch of `n`, counted: created, bought, files written, a ZPL set; with `delivered`, also every parcel's story to its end. */
async function measure(n, delivered = false) {
  const before = { d1: d1Tables(), objects: sum(files(join(dir, "v3", "do"))), r2: sum(files(join(dir, "v3", "r2"))) };
  await call("/__capacity?reset");
  const created = await call("/v1/batches", { method: "POST", body: JSON.stringify({ reference: `capacity-${n}`, default_service: "usps_priority", shipments: Array.from({ length: n }, (_, i) => shipment(i)) }) });
  const path = `/v1/batches/${created.id}?shipments_limit=1`;
  await until(path, (b) => b.status !== "validating");
  const boughtAt = performance.now();
  await call(`/v1/batches/${created.id}/purchase`, { method: "POST", body: "{}" });
  await until(path, (b) => b.status === "completed");
  let deliveredSeconds = null;
  let reads = null;
  if (delivered) {
    // From the moment the batch is bought, its parcels' scans arrive: a client reads the batch (a page of
    // 100 shipments) back to back until every story has ended, then the same reads once all is quiet.
    const arrived = (b) => b.tracking_summary && b.tracking_summary.tracked === n
      && ["delivered", "return_to_sender", "failure"].reduce((a, k) => a + (b.tracking_summary.counts[k] ?? 0), 0) === n;
    const timed = async () => {
      const t = performance.now();
      const b = await call(`/v1/batches/${created.id}?shipments_limit=100`);
      return [performance.now() - t, b];
    };
    const during = [];
    for (;;) {
      const [ms, b] = await timed();
      if (arrived(b)) break;
      during.push(ms);
      if (performance.now() - boughtAt > 600_000) throw new Error("the parcels' stories did not end");
      await sleep(50);
    }
    deliveredSeconds = (performance.now() - boughtAt) / 1000;
    await sleep(1000);
    const idle = [];
    for (let i = 0; i < 100; i++) { idle.push((await timed())[0]); await sleep(50); }
    const pct = (list, p) => { const x = [...list].sort((a, b) => a - b); return Math.round(x[Math.min(x.length - 1, Math.floor(x.length * p))] ?? 0); };
    reads = { during: { n: during.length, p50: pct(during, 0.5), p99: pct(during, 0.99) }, idle: { n: idle.length, p50: pct(idle, 0.5), p99: pct(idle, 0.99) } };
  }
  await call(`/v1/batches/${created.id}/labels`, { method: "POST", body: JSON.stringify({ format: "zpl", layout: "4x6" }) });
  await until(path, (b) => b.label_sets.length === 2 && b.label_sets.every((s) => s.status === "ready"));
  await sleep(1000); // the last reports and events settle
  const counted = await call("/__capacity");
  const after = { d1: d1Tables(), objects: sum(files(join(dir, "v3", "do"))), r2: sum(files(join(dir, "v3", "r2"))) };
  const tables = Object.fromEntries(Object.keys(after.d1).map((t) => [t, {
    rows: after.d1[t].rows - (before.d1[t]?.rows ?? 0), bytes: after.d1[t].bytes - (before.d1[t]?.bytes ?? 0),
  }]).filter(([, v]) => v.rows || v.bytes));
  const d1Rows = Object.values(tables).reduce((a, v) => a + v.rows, 0);
  const d1Bytes = Object.values(tables).reduce((a, v) => a + v.bytes, 0);
  const messages = Object.values(counted.queue_messages).reduce((a, v) => a + v, 0);
  const per = (x) => Math.round((x / n) * 100) / 100;
  const r = {
    n, d1_rows_stored: per(d1Rows), d1_bytes_stored: per(d1Bytes), d1_rows_written: per(counted.d1_rows_written), d1_rows_read: per(counted.d1_rows_read),
    d1_statements: per(counted.d1_statements), object_bytes: per(after.objects - before.objects), r2_bytes: per(after.r2 - before.r2),
    object_rows_written: per(counted.object_rows_written), object_rows_read: per(counted.object_rows_read), object_statements: per(counted.object_statements),
    queue_messages: per(messages), queues: Object.fromEntries(Object.entries(counted.queue_messages).map(([q, v]) => [q, per(v)])),
    tables: Object.fromEntries(Object.entries(tables).map(([t, v]) => [t, { rows: per(v.rows), bytes: per(v.bytes) }])),
    ...(delivered ? { delivered_seconds: deliveredSeconds, reads } : {}),
  };
  console.error(`done ${n}${delivered ? " (tracked to delivery)" : ""}`);
  return r;
}
for (const n of sizes) results.push(await measure(n));

// The second pass: the largest batch again, on a fresh server whose parcels' stories run at
// TRACKING_SPEED times real time (a week in two minutes, longer than the purchase takes here), followed to every parcel's end while a client
// reads the batch. Its difference from the first pass is what tracking costs.
const TRACKING_SPEED = Number(process.env.CAPACITY_TRACKING_SPEED ?? 5000);
stopServer();
await startServer(port + 10, ["--var", `SANDBOX_TRACKING_SPEED:${TRACKING_SPEED}`]);
const largest = Math.max(...sizes);
const tracked = await measure(largest, true);
const plain = results.find((r) => r.n === largest);
const diff = (k) => Math.round((tracked[k] - plain[k]) * 100) / 100;

console.log("\nPer shipment (create, validate, buy, merged PDF files, one ZPL set), sandbox:\n");
console.log("| shipments | D1 rows stored | D1 bytes stored | D1 rows written | D1 rows read | D1 statements | object statements | object rows written | object rows read | object storage bytes | R2 bytes | queue messages |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.n} | ${r.d1_rows_stored} | ${r.d1_bytes_stored} | ${r.d1_rows_written} | ${r.d1_rows_read} | ${r.d1_statements} | ${r.object_statements} | ${r.object_rows_written} | ${r.object_rows_read} | ${r.object_bytes} | ${r.r2_bytes} | ${r.queue_messages} |`);
}
for (const r of results) console.log(`\n${r.n}: D1 by table ${JSON.stringify(r.tables)}; queues ${JSON.stringify(r.queues)}`);
console.log(`\nTracking a delivered ${largest} batch (stories at ${TRACKING_SPEED}× real time), per shipment, beyond the pass above:\n`);
// Rows read include the client's reads meanwhile (100 shipments each), which the first pass does not make.
console.log("| D1 rows written | D1 rows stored | D1 statements | object statements | object rows written | object rows read (with the reads) | queue messages |");
console.log("|---|---|---|---|---|---|---|");
console.log(`| ${diff("d1_rows_written")} | ${diff("d1_rows_stored")} | ${diff("d1_statements")} | ${diff("object_statements")} | ${diff("object_rows_written")} | ${diff("object_rows_read")} | ${diff("queue_messages")} |`);
const r = tracked.reads;
console.log(`\nFrom the purchase to the last parcel's end: ${tracked.delivered_seconds.toFixed(1)} s (the longest story, a week, is ${(168 * 3600 / TRACKING_SPEED).toFixed(1)} s at this speed).`);
console.log(`GET /v1/batches/{id} (100 shipments) while scans arrived: p50 ${r.during.p50} ms, p99 ${r.during.p99} ms over ${r.during.n}; after, idle: p50 ${r.idle.p50} ms, p99 ${r.idle.p99} ms; p99 ratio ${(r.during.p99 / Math.max(1, r.idle.p99)).toFixed(2)}.`);
console.log(`\n${JSON.stringify({ results, tracked })}`);
process.exit(0);
