// `npm run chaos`: kills `wrangler dev` with SIGKILL at random points of a 2,000-shipment batch, a few
// times, restarts it on the same state each time, and checks that the batch finished by itself with
// nothing lost and nothing twice: completed, every shipment bought once at the carrier, merged pages =
// bought, balance change = the batch's total = the ledger's net. Miniflare keeps queue messages in
// memory, so each kill loses whatever was in flight, as a crash between a write and its send would.
// Options: `npm run chaos -- --shipments 2000 --kills 3 --seed 7 --transient 0.05 --latency 50` (ms a carrier
// call; 50 by default, so that a batch lasts past the first kill's wait: without it 2,000 finish in about a second).
import { destination } from "./destinations.mjs";
import { mkdtempSync, readdirSync, rmSync, statfsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PDFDocument } from "pdf-lib";
import { spawnWranglerDev, waitUntilUp } from "./wrangler-dev.mjs";

const { values: opt } = parseArgs({
  options: {
    shipments: { type: "string", default: "2000" }, kills: { type: "string", default: "3" },
    seed: { type: "string", default: String(Date.now() % 100000) }, transient: { type: "string", default: "0" },
    port: { type: "string", default: "8789" }, latency: { type: "string", default: "50" }, "timeout-s": { type: "string", default: "900" },
  },
});
const N = Number(opt.shipments);
const KILLS = Number(opt.kills);
const base = `http://127.0.0.1:${opt.port}`;
// A small seeded generator, so a run's kill points can be repeated with --seed.
let seed = Number(opt.seed) >>> 0 || 1;
const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);

const roomGiB = (path) => { try { const s = statfsSync(path); return (s.bavail * s.bsize) / 2 ** 30; } catch { return 0; } };
const dir = mkdtempSync(join(roomGiB("/dev/shm") >= 2 ? "/dev/shm" : os.tmpdir(), "batch-labels-chaos-"));
process.env.BATCH_LABELS_PERSIST = dir;
const { createAccount, migrateLocal, queryLocal } = await import("./local-d1.mjs");
migrateLocal();
const startCents = 100_000_000;
const { id: accountId, key } = createAccount((startCents / 100).toFixed(2));
const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server = null;
async function start() {
  server = spawnWranglerDev(["--ip", "127.0.0.1", "--port", opt.port, "--persist-to", dir, "--var", `PUBLIC_BASE_URL:${base}`,
    "--var", "LABEL_SIGNING_SECRET:chaos-only-secret", "--var", `SANDBOX_TRANSIENT_ERROR_RATE:${opt.transient}`, "--var", `SANDBOX_LATENCY_MS:${opt.latency}`, "--log-level", "error"],
  { stdio: ["ignore", "ignore", "inherit"], detached: true });
  await waitUntilUp(base, server);
}
function kill() {
  try { process.kill(-server.pid, "SIGKILL"); } catch {}
  return new Promise((r) => (server.exitCode !== null ? r() : server.once("exit", r)));
}
process.on("exit", () => { try { process.kill(-server.pid, "SIGKILL"); } catch {} rmSync(dir, { recursive: true, force: true }); });
process.on("SIGINT", () => process.exit(130));

/** The batch, or null while the server is down or restarting. */
async function get(path) {
  try {
    const res = await fetch(`${base}${path}`, { headers: auth });
    return res.ok ? res.json() : null;
  } catch {
    return null;
  }
}

const shipment = (i) => ({
  reference: `chaos-${i}`,
  from_address: { name: "Chaos Warehouse", street1: "500 Dock Rd", city: "Reno", state: "NV", zip: "89501" },
  to_address: { name: `Customer ${i}`, street1: `${1 + i} Main St`, ...destination(i) },
  parcel: { weight_oz: 1 + (i % 100), length_in: 10, width_in: 8, height_in: 4 },
});

await start();
const t0 = performance.now();
const created = await (await fetch(`${base}/v1/batches`, { method: "POST", headers: auth,
  body: JSON.stringify({ reference: `chaos-${opt.seed}`, default_service: "usps_priority", shipments: Array.from({ length: N }, (_, i) => shipment(i)) }) })).json();
const path = `/v1/batches/${created.id}?shipments_limit=1`;
for (let b = await get(path); b?.status !== "ready"; b = await get(path)) {
  if (b && b.status !== "validating") throw new Error(`batch is ${b.status}`);
  await sleep(200);
}
const bought = await (await fetch(`${base}/v1/batches/${created.id}/purchase`, { method: "POST", headers: auth, body: "{}" })).json();
if (bought.status !== "purchasing") throw new Error(`purchase answered ${JSON.stringify(bought).slice(0, 200)}`);

// Each kill a random 0-1.5 s after the purchase answered (or after the last restart): the first lands
// while purchases run, later ones during re-sends or while label files are written.
const kills = [];
for (let k = 0; k < KILLS; k++) {
  await sleep(Math.round(random() * 1500));
  const at = await get(path);
  if (at && ["completed", "timed_out", "purchase_failed"].includes(at.status)) break;
  kills.push({ at_s: +((performance.now() - t0) / 1000).toFixed(1), status: at?.status, percent: at?.completion_percentage, files: at?.labels.length });
  await kill();
  await start();
}

const deadline = performance.now() + Number(opt["timeout-s"]) * 1000;
let done;
for (;;) {
  done = await get(`/v1/batches/${created.id}?shipments_limit=1`);
  if (done && ["completed", "timed_out", "purchase_failed"].includes(done.status) && done.labels.reduce((a, f) => a + f.count, 0) >= done.counts.purchased) break;
  if (performance.now() > deadline) break;
  await sleep(500);
}
const seconds = (performance.now() - t0) / 1000;

// Merged pages, read back from the files themselves.
let pages = 0;
for (const f of done.labels) pages += (await PDFDocument.load(await (await fetch(f.url)).arrayBuffer())).getPageCount();
const events = (await get(`/v1/events?batch_id=${created.id}&type=batch.recovering&limit=100`))?.data ?? [];
// The list reads D1's summary row, which the batch's object keeps up to date through its outbox.
const listed = (await get(`/v1/batches?reference=chaos-${opt.seed}&limit=1`))?.data?.[0];
await kill();

const q = (sql) => queryLocal(sql)[0];
// The sandbox carrier's books for a batch's labels are in the batch's own object: its SQLite file,
// found among the objects' files by the batch row it holds, read once the server is gone.
function carrierBooks(batchId) {
  const root = join(dir, "v3", "do");
  for (const sub of readdirSync(root)) {
    for (const name of readdirSync(join(root, sub)).filter((f) => f.endsWith(".sqlite"))) {
      const db = new DatabaseSync(join(root, sub, name), { readOnly: true });
      try {
        if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'batches'").get()) continue;
        if (!db.prepare("SELECT 1 FROM batches WHERE id = ?").get(batchId)) continue;
        return db.prepare("SELECT COUNT(*) AS sold, SUM(voided_at IS NULL) AS kept FROM sandbox_labels").get();
      } finally {
        db.close();
      }
    }
  }
  return { sold: 0, kept: null };
}
const carrier = carrierBooks(created.id);
const money = q(`SELECT (SELECT balance_cents FROM accounts WHERE id = '${accountId}') AS balance,
  (SELECT COALESCE(SUM(CASE kind WHEN 'credit' THEN -cents ELSE cents END), 0) FROM ledger WHERE account_id = '${accountId}') AS net,
  (SELECT COUNT(*) FROM ledger WHERE account_id = '${accountId}' AND kind = 'debit') AS debits`);
const totalCents = Math.round(Number(done.total_amount) * 100);
const checks = [
  ["batch completed", done.status === "completed", done.status],
  [`every shipment bought (${N})`, done.counts.purchased === N, JSON.stringify(done.counts)],
  ["each bought once at the carrier, none left sold for a failed shipment", carrier.kept === done.counts.purchased, `${carrier.kept} labels kept, ${carrier.sold} sold`],
  ["merged pages = bought", pages === done.counts.purchased, `${pages} pages in ${done.labels.length} files`],
  ["the list shows what the batch shows", listed?.status === done.status && JSON.stringify(listed?.counts) === JSON.stringify(done.counts) && listed?.total_amount === done.total_amount,
    `${listed?.status} ${JSON.stringify(listed?.counts)} ${listed?.total_amount}`],
  ["balance change = batch total", startCents - money.balance === totalCents, `${startCents - money.balance} vs ${totalCents} cents`],
  ["ledger net = batch total", money.net === totalCents, `${money.net} cents over ${money.debits} debits`],
  // A run whose batch finished before its first kill tested no crash.
  ["a kill landed while the batch ran", KILLS === 0 || kills.length > 0, `${kills.length} of ${KILLS}`],
];
console.log(`\nchaos: ${N} shipments, ${kills.length} kills (seed ${opt.seed}, transient rate ${opt.transient}), finished in ${seconds.toFixed(1)} s`);
for (const k of kills) console.log(`  killed at ${k.at_s} s: ${k.status}, ${k.percent} % bought, ${k.files} files`);
console.log(`  recovery events: ${events.map((e) => `${e.data.recovery.action} ${e.data.recovery.count}`).join(", ") || "none"}`);
for (const [name, ok, detail] of checks) console.log(`  ${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
console.log(JSON.stringify({ shipments: N, kills, seconds: +seconds.toFixed(1), recovery_events: events.length, ok: checks.every((c) => c[1]) }));
process.exit(checks.every((c) => c[1]) ? 0 : 1);
