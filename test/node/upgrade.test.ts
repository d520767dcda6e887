// Existing data keeps working: a local state written by the previous release (82a915e: three
// batches, one completed, one ready, one invalid; test/fixtures/legacy-state, made by that
// release's own `wrangler dev`) is migrated by `npm run dev`'s migration step and served by this code.
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnWranglerDev } from "../../src/cli/wrangler-dev.mjs";

const FIXTURE = new URL("../fixtures/legacy-state/", import.meta.url).pathname;
const legacy = JSON.parse(readFileSync(join(FIXTURE, "legacy.json"), "utf8"));
const PORT = Number(process.env.UPGRADE_TEST_PORT ?? 8794);
const base = `http://127.0.0.1:${PORT}`;
const cents = (a: string) => Math.round(Number(a) * 100);

describe("a local state written by the previous release", () => {
  let dir: string;
  let server: ReturnType<typeof spawnWranglerDev>;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${legacy.key}`, ...(init.body ? { "content-type": "application/json" } : {}) } });
    return { status: res.status, json: (res.headers.get("content-type")?.includes("json") ? await res.json() : null) as any, type: res.headers.get("content-type") };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "batch-labels-upgrade-"));
    cpSync(FIXTURE, dir, { recursive: true });
    process.env.BATCH_LABELS_PERSIST = dir;
    const { migrateLocal } = await import("../../src/cli/local-d1.mjs");
    migrateLocal();
    server = spawnWranglerDev(["--ip", "127.0.0.1", "--port", String(PORT), "--inspector-port", String(PORT + 1000), "--persist-to", dir,
      "--var", `PUBLIC_BASE_URL:${base}`, "--var", "LABEL_SIGNING_SECRET:upgrade-test-secret", "--log-level", "error"],
    { stdio: ["ignore", "ignore", "inherit"], detached: true });
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${base}/health`)).ok) break; } catch {}
      if (server.exitCode !== null || i > 240) throw new Error("wrangler dev did not start");
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  afterAll(() => {
    try { process.kill(-server.pid!, "SIGTERM"); } catch {}
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads every old batch as it was, and their files still download", async () => {
    const list = await call("/v1/batches");
    expect(list.json.data.map((b: any) => b.status).sort()).toEqual(["completed", "invalid", "ready"]);
    const completed = (await call(`/v1/batches/${legacy.batches.completed}`)).json;
    expect(completed).toMatchObject({ status: "completed", counts: { total: 3, purchased: 3, voided: 0 } });
    const bought = completed.shipments.data.filter((s: any) => s.status === "purchased");
    // A label bought before charges were kept was debited its rate: that is its charged amount.
    for (const s of bought) expect(s).toMatchObject({ charged_amount: s.rate.amount, charge_differs: false, fees: null });
    expect(cents(completed.total_amount)).toBe(bought.reduce((a: number, s: any) => a + cents(s.rate.amount), 0));
    const file = await fetch(`${base}/v1/batches/${completed.id}/labels/1`, { headers: { authorization: `Bearer ${legacy.key}` } });
    expect([file.status, file.headers.get("content-type")]).toEqual([200, "application/pdf"]);
    expect(new TextDecoder().decode((await file.arrayBuffer()).slice(0, 5))).toBe("%PDF-");
    const invalid = (await call(`/v1/batches/${legacy.batches.invalid}`)).json;
    expect(invalid.status).toBe("invalid");
    expect(invalid.shipments.data.find((s: any) => s.status === "invalid").errors).toEqual({ "to_address.zip": ["Invalid ZIP code"] });
    expect((await call("/v1/account")).json.balance).toBe(legacy.balance);
  });

  it("buys the old ready batch and voids an old label: the ledger, rebuilt by the upgrade, stays exact", async () => {
    const ready = (await call(`/v1/batches/${legacy.batches.ready}`)).json;
    expect(ready.status).toBe("ready");
    const total = ready.rate_summary.reduce((a: number, r: any) => a + cents(r.amount), 0);
    const amount = `${Math.floor(total / 100)}.${String(total % 100).padStart(2, "0")}`;
    expect((await call(`/v1/batches/${ready.id}/purchase`, { method: "POST", body: JSON.stringify({ expected_amount: amount }) })).status).toBe(202);
    let done: any;
    for (let i = 0; i < 200; i++) {
      done = (await call(`/v1/batches/${ready.id}`)).json;
      if (done.status === "completed") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(done).toMatchObject({ status: "completed", counts: { purchased: 2 }, total_amount: amount });
    const before = cents(legacy.balance) - total;
    expect(cents((await call("/v1/account")).json.balance)).toBe(before);
    // An old purchased label voids and is credited what it was debited.
    const old = (await call(`/v1/batches/${legacy.batches.completed}`)).json.shipments.data.find((s: any) => s.status === "purchased");
    expect((await call(`/v1/batches/${legacy.batches.completed}/shipments/${old.id}/void`, { method: "POST" })).json.status).toBe("voided");
    expect(cents((await call("/v1/account")).json.balance)).toBe(before + cents(old.charged_amount));
  });

  it("moves each old batch's shipments out of D1 into its object once touched; D1 keeps its summary row", async () => {
    const { queryLocal } = await import("../../src/cli/local-d1.mjs");
    const ids = Object.values(legacy.batches) as string[];
    for (const id of ids) expect((await call(`/v1/batches/${id}`)).status).toBe(200);
    let left: unknown;
    for (let i = 0; i < 100; i++) {
      left = queryLocal(`SELECT COUNT(*) AS n FROM shipments WHERE batch_id IN (${ids.map((x) => `'${x}'`).join(", ")})`);
      if (JSON.stringify(left).includes('"n":0')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(JSON.stringify(left)).toContain('"n":0');
    expect(JSON.stringify(queryLocal(`SELECT COUNT(*) AS n FROM batches WHERE id IN (${ids.map((x) => `'${x}'`).join(", ")})`))).toContain('"n":3');
    // And they still read whole, from their objects.
    expect((await call(`/v1/batches/${legacy.batches.completed}`)).json.counts.total).toBe(3);
  });
});
