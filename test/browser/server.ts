// A `wrangler dev` of this checkout for the browser tests and the Node end-to-end tests, as `npm run dev` starts it, but with its own
// throw-away state, port and account, so it never touches the developer's local data.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnWranglerDev, waitUntilUp } from "../../src/cli/wrangler-dev.mjs";

export type DevServer = { base: string; port: number; key: string; newKey: (balance: string) => string; stop: () => void };

export async function startDevServer(port: number, balance = "1000.00"): Promise<DevServer> {
  const dir = mkdtempSync(join(tmpdir(), "batch-labels-browser-"));
  process.env.BATCH_LABELS_PERSIST = dir;
  const { createAccount, migrateLocal } = await import("../../src/cli/local-d1.mjs");
  migrateLocal();
  const { key } = createAccount(balance);
  const base = `http://127.0.0.1:${port}`;
  // Its own inspector port too: two servers starting at once would both try wrangler's default, 9229.
  const server = spawnWranglerDev(["--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(port + 1000), "--persist-to", dir,
    "--var", `PUBLIC_BASE_URL:${base}`, "--var", "LABEL_SIGNING_SECRET:browser-test-secret",
    // Parcels delivered within seconds of purchase (a few days' story at 100,000 times), so the delivery bar fills.
    "--var", "SANDBOX_TRACKING_SPEED:100000", "--var", "SANDBOX_TRACKING_EXCEPTION_RATE:0", "--log-level", "error"],
  { stdio: ["ignore", "ignore", "inherit"], detached: true });
  const stop = () => {
    try { process.kill(-server.pid!, "SIGTERM"); } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  await waitUntilUp(base, server).catch((err) => {
    stop();
    throw err;
  });
  // Another account in the running server's database, as `npm run seed` makes one.
  const newKey = (b: string) => createAccount(b).key;
  return { base, port, key, newKey, stop };
}
