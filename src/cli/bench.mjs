// `npm run bench`: the service as `npm run dev` runs it (wrangler dev, Miniflare's D1, Queues, R2,
// Durable Objects; its state on tmpfs, below), timed end to end for 100, 1,000 and 10,000
// shipments, against the naive label baseline rendered in this same process on this same machine.
// Sizes: `npm run bench -- 100 1000`.
import { destination } from "./destinations.mjs";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { startLoad } from "./bench-load.mjs";
import { startProfile } from "./bench-profile.mjs";
import { naiveRenderAndMerge } from "./bench-naive.mjs";
import { spawnWranglerDev, waitUntilUp } from "./wrangler-dev.mjs";
import { startStandIn } from "./easypost-standin.mjs";

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
if (!sizes.length) sizes.push(100, 1000, 10000);
// The live run: a live account buying through the EasyPost stand-in, each provider call answered
// after LIVE_LATENCY_MS, as a real provider's round trip takes. BENCH_LIVE=0 skips it.
const LIVE_N = Number(process.env.BENCH_LIVE ?? 1000);
const LIVE_LATENCY_MS = 150;

const port = Number(process.env.BENCH_PORT ?? 8788);
// BENCH_PROFILE=file: workerd's CPU profile over the largest batch (bench-profile.mjs), or over the
// batches run at once with BENCH_PROFILE_RUN=concurrent.
const PROFILE = process.env.BENCH_PROFILE;
const PROFILE_CONCURRENT = process.env.BENCH_PROFILE_RUN === "concurrent";
const base = `http://127.0.0.1:${port}`;
const standInPort = port + 1000;
// The throw-away state goes on tmpfs where there is room. Miniflare's simulators make every write
// durable with an fsync on the one thread that also answers requests (the rate limiter's, on every
// request), so on disk each read and each batch step also waits for the disk: on a shared VM, a wait
// that varies from run to run. On Cloudflare no disk wait sits on the isolate's thread.
// BENCH_STATE_DIR=/tmp measures with the state on disk, as `npm run dev` keeps it.
const roomGiB = (path) => { try { const s = statfsSync(path); return (s.bavail * s.bsize) / 2 ** 30; } catch { return 0; } };
const stateRoot = process.env.BENCH_STATE_DIR ?? (roomGiB("/dev/shm") >= 2 ? "/dev/shm" : os.tmpdir());
const dir = mkdtempSync(join(stateRoot, "batch-labels-bench-"));
process.env.BATCH_LABELS_PERSIST = dir;
const { createAccount, migrateLocal } = await import("./local-d1.mjs");

migrateLocal();
const { key } = createAccount("100000000.00");
const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
const live = createAccount("100000000.00", "live");
const liveAuth = { authorization: `Bearer ${live.key}`, "content-type": "application/json" };
const { standIn } = await startStandIn({ port: standInPort, latencyMs: LIVE_LATENCY_MS, apiKey: "EZAK_bench" });
const server = spawnWranglerDev(["--ip", "127.0.0.1", "--port", String(port), "--persist-to", dir,
  "--var", `PUBLIC_BASE_URL:${base}`, "--var", "LABEL_SIGNING_SECRET:bench-only-secret", "--var", `EASYPOST_BASE_URL:http://127.0.0.1:${standInPort}/v2`,
  "--var", "EASYPOST_API_KEY:EZAK_bench", "--log-level", "error", ...(PROFILE ? ["--inspector-port", String(port + 2000)] : [])],
{ stdio: ["ignore", "ignore", "inherit"], detached: true });
const stop = () => { try { process.kill(-server.pid, "SIGTERM"); } catch {} };
process.on("exit", () => { stop(); rmSync(dir, { recursive: true, force: true }); });
process.on("SIGINT", () => process.exit(130));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const call = async (path, init, headers = auth) => (await fetch(`${base}${path}`, { headers, ...init })).json();
await waitUntilUp(base, server);

// Resident memory of the dev server: every process under wrangler (workerd does the work).
function treeRssMb(root) {
  const children = new Map();
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(pid)]);
    } catch {}
  }
  let kb = 0;
  const walk = (pid) => {
    try { kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0); } catch {}
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return kb / 1024;
}
// On a VM, the hypervisor may run other guests on this machine's CPUs: Linux counts that time as
// "steal" (/proc/stat). Reported beside the read latencies, which it inflates whatever the code does.
function cpuTicks() {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return { steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  } catch {
    return null;
  }
}
const stealPct = (a, b) => (a && b && b.total > a.total ? Math.round((100 * (b.steal - a.steal)) / (b.total - a.total)) : null);

let peakMb = 0;
const sampler = setInterval(() => { peakMb = Math.max(peakMb, treeRssMb(server.pid)); }, 250);

const shipment = (i) => ({
  reference: `bench-${i}`,
  from_address: { name: "Bench Warehouse", street1: "500 Dock Rd", city: "Reno", state: "NV", zip: "89501" },
  to_address: { name: `Customer ${i}`, street1: `${1 + (i % 9000)} Main St`, ...destination(i) },
  parcel: { weight_oz: 1 + (i % 200), length_in: 10, width_in: 8, height_in: 4 },
});

// Reads a second, evenly spaced: what a few polling clients send. BENCH_READ_RATE=1 shows what the
// reads themselves cost the batch (figures with another rate are not comparable with the README's).
const RATE = Number(process.env.BENCH_READ_RATE ?? 40);

const pct = (values) => {
  const ms = [...values].sort((a, b) => a - b);
  return { p50: Math.round(ms[Math.floor(ms.length * 0.5)] ?? 0), p99: Math.round(ms[Math.floor(ms.length * 0.99)] ?? 0) };
};

const load = startLoad();
const reads = (url, seconds) => load.run({ url, headers: auth, rate: RATE, seconds })
  // Back on this thread's clock, to place each read in the stage it was sent in.
  .then((samples) => {
    // A refused or failed read would be timed as if it were an answer.
    const bad = samples.filter(([, , status]) => status !== 200).length;
    if (bad) throw new Error(`${bad} of ${samples.length} bench reads of ${url} did not answer 200`);
    return samples.map(([sent, ms]) => [sent - performance.timeOrigin, ms]);
  });

// The load thread's first reads also pay for loading and compiling its HTTP client; not measured.
await reads(`${base}/health`, 1);

async function idleReads(url) {
  const ms = (await reads(url, 10)).map(([, m]) => m);
  return { requests: ms.length, ...pct(ms) };
}

async function pipeline(n, measureGets, headers = auth) {
  const body = Buffer.from(JSON.stringify({ reference: `bench-${n}`, default_service: "usps_priority", shipments: Array.from({ length: n }, (_, i) => shipment(i)) }));
  // The garbage of building the body is collected before the clock starts. Left to V8, this process
  // collected it just after the create, when the reads begin: its collector threads took a third of
  // the two CPUs for 200 ms, and the server's thread waited for a CPU 10-26 % of that time.
  globalThis.gc?.();
  const t0 = performance.now();
  const ticks0 = cpuTicks();
  const created = await call("/v1/batches", { method: "POST", body }, headers);
  const at = { accepted: performance.now() };
  const path = `/v1/batches/${created.id}?shipments_limit=1`;
  // A steady trickle of reads while the batch runs, to see what a polling client experiences.
  const during = measureGets ? reads(`${base}${path}`, 3600) : null;
  for (;;) {
    const b = await call(path, undefined, headers);
    if (!at.ready && b.status !== "validating") {
      at.ready = performance.now();
      if (b.status !== "ready") throw new Error(`batch is ${b.status}`);
      await call(`/v1/batches/${created.id}/purchase`, { method: "POST", body: "{}" }, headers);
    }
    if (at.ready && !at.purchased && b.counts.queued === 0 && b.status !== "ready") at.purchased = performance.now();
    if (["completed", "purchase_failed", "timed_out"].includes(b.status)) {
      at.labels = performance.now();
      if (b.status !== "completed" || b.counts.purchased !== n) throw new Error(`batch ended ${b.status} ${JSON.stringify(b.counts)}`);
      at.files = b.labels.length;
      // What a merged file weighs, a label: the first file (100 labels, fonts included).
      const first = await fetch(b.labels[0].url);
      at.file_bytes_per_label = (await first.arrayBuffer()).byteLength / b.labels[0].count;
      break;
    }
    await sleep(100);
  }
  if (during) load.stop();
  const samples = (await during) ?? [];
  // The same reads against the same batch once it is done: what this machine gives with nothing running.
  const ticks1 = cpuTicks();
  const idle = measureGets ? { ...(await idleReads(`${base}${path}`)), steal_pct: stealPct(ticks1, cpuTicks()) } : null;
  const s = (k) => (at[k] - t0) / 1000;
  // Where the slow reads happen: each request counted in the stage it was sent in.
  const stages = [["validating", at.accepted, at.ready], ["purchasing", at.ready, at.purchased], ["writing labels", at.purchased, at.labels]]
    .map(([name, from, to]) => {
      const ms = samples.filter(([sent]) => sent >= from && sent < to).map(([, m]) => m).sort((a, b) => a - b);
      return { stage: name, requests: ms.length, ...pct(ms), max: Math.round(ms.at(-1) ?? 0) };
    });
  const whileRunning = samples.filter(([sent]) => sent < at.labels).map(([, m]) => m);
  return { n, steal_pct: stealPct(ticks0, ticks1), accepted: s("accepted"), ready: s("ready"), purchased: s("purchased"), labels: s("labels"), files: at.files, file_bytes_per_label: at.file_bytes_per_label,
    ...(measureGets ? { ...pct(whileRunning), requests: whileRunning.length, stages, idle } : {}) };
}

const results = [];
for (const n of sizes) {
  const stopProfile = PROFILE && !PROFILE_CONCURRENT && n === Math.max(...sizes) ? await startProfile(port + 2000) : null;
  const r = await pipeline(n, n === Math.max(...sizes));
  if (stopProfile) console.error(`profile of the ${n} batch in ${PROFILE}; self time:\n${(await stopProfile(PROFILE)).map((f) => `${String(f.ms).padStart(7)} ms  ${f.name}`).join("\n")}`);
  const labels = Array.from({ length: n }, (_, i) => {
    const s = shipment(i);
    return { tracking_number: `9405511899223${String(100000000 + i).slice(1)}`, carrier: "usps", service_name: "USPS Priority Mail",
      from: s.from_address, to: s.to_address, weight_oz: s.parcel.weight_oz, zone: 5, ship_date: "2026-11-22", reference: s.reference };
  });
  const naive = await naiveRenderAndMerge(labels);
  results.push({ ...r, naive: naive.seconds, ratio: r.labels / naive.seconds });
  console.error(`done ${n}: ${r.labels.toFixed(1)} s, naive ${naive.seconds.toFixed(1)} s`);
}
// Capacity grows with the number of batches: the largest size again, as ten batches of a tenth each,
// all at once, against the one large batch timed above (BENCH_CONCURRENT=0 skips it).
let concurrent = null;
const biggest = Math.max(...sizes);
if (Number(process.env.BENCH_CONCURRENT ?? 10) > 0 && biggest >= 1000) {
  const k = Number(process.env.BENCH_CONCURRENT ?? 10);
  globalThis.gc?.();
  const stopProfile = PROFILE && PROFILE_CONCURRENT ? await startProfile(port + 2000) : null;
  const t0 = performance.now();
  const runs = await Promise.all(Array.from({ length: k }, () => pipeline(biggest / k, false)));
  const seconds = (performance.now() - t0) / 1000;
  // When each of them was ready, bought and written: the last one decides the figure.
  const spread = (key) => { const v = runs.map((r) => r[key]).sort((a, b) => a - b); return `${v[0].toFixed(2)}–${v.at(-1).toFixed(2)} s`; };
  if (stopProfile) console.error(`profile of the ${k} batches at once in ${PROFILE}; self time:\n${(await stopProfile(PROFILE)).map((f) => `${String(f.ms).padStart(7)} ms  ${f.name}`).join("\n")}`);
  concurrent = { k, each: biggest / k, seconds, vs_one: seconds / results.find((r) => r.n === biggest).labels, ready: spread("ready"), purchased: spread("purchased"), labels: spread("labels") };
  console.error(`done ${k} × ${biggest / k} at once: ${seconds.toFixed(1)} s`);
}
let liveRun = null;
if (LIVE_N > 0) {
  const calls0 = standIn.calls.length;
  liveRun = await pipeline(LIVE_N, false, liveAuth);
  const calls = standIn.calls.slice(calls0);
  liveRun.provider_calls = calls.length;
  liveRun.buys = calls.filter((c) => c.path.endsWith("/buy")).length;
  console.error(`done live ${LIVE_N}: ${liveRun.labels.toFixed(1)} s`);
}
clearInterval(sampler);

const f = (x, d = 2) => (x === undefined ? "—" : x.toFixed(d));
console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log(`state directory: ${stateRoot}`);
console.log("\n| shipments | accepted s | ready s | purchased s | labels written s | shipments/s | naive render+merge s | ratio | file bytes a label |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.n} | ${f(r.accepted)} | ${f(r.ready)} | ${f(r.purchased)} | ${f(r.labels)} | ${f(r.n / r.labels, 0)} | ${f(r.naive)} | ${f(r.ratio)} | ${f(r.file_bytes_per_label, 0)} |`);
}
const big = results.at(-1);
const steal = (pct) => (pct === null ? "" : `; CPU stolen by the hypervisor: ${pct} %`);
if (concurrent) {
  console.log(`\n${concurrent.k} batches of ${concurrent.each} at once, create to merged files: ${f(concurrent.seconds)} s, ${f(concurrent.vs_one)}× the one batch of ${concurrent.each * concurrent.k}`);
  console.log(`  each one ready ${concurrent.ready}, bought ${concurrent.purchased}, files written ${concurrent.labels} after its create`);
}
console.log(`\nGET /v1/batches/{id} while ${big.n} ran (${RATE} a second, evenly spaced): p50 ${big.p50} ms, p99 ${big.p99} ms over ${big.requests} requests${steal(big.steal_pct)}`);
console.log(`  idle server afterwards, same reads: p50 ${big.idle.p50} ms, p99 ${big.idle.p99} ms over ${big.idle.requests} requests${steal(big.idle.steal_pct)}`);
// The VM's phase moves both figures; their ratio is what the batch adds to a read.
console.log(`  while running / idle: p50 ${f(big.p50 / big.idle.p50)}×, p99 ${f(big.p99 / big.idle.p99)}×`);
for (const st of big.stages) console.log(`  while ${st.stage}: ${st.requests} requests, p50 ${st.p50} ms, p99 ${st.p99} ms, max ${st.max} ms`);
if (liveRun) {
  console.log(`\nlive (EasyPost stand-in, ${LIVE_LATENCY_MS} ms a provider call): ${liveRun.n} shipments, create to merged files in ${f(liveRun.labels)} s = ${f(liveRun.n / liveRun.labels, 0)} shipments/s`);
  console.log(`  rated by ${f(liveRun.ready)} s, bought by ${f(liveRun.purchased)} s; ${liveRun.provider_calls} provider calls, ${liveRun.buys} buys`);
  console.log(`  one call at a time would take ${f((liveRun.provider_calls * LIVE_LATENCY_MS) / 1000, 0)} s of provider time alone (ratio ${f(liveRun.labels / ((liveRun.provider_calls * LIVE_LATENCY_MS) / 1000))})`);
}
console.log(`peak memory of the dev server (wrangler + workerd): ${peakMb.toFixed(0)} MB`);
console.log(`\n${JSON.stringify({ results, live: liveRun, peak_mb: Math.round(peakMb) })}`);
process.exit(0);
