// How `npm run dev` and `npm run bench` start `wrangler dev`: the same way, so the benchmark measures
// what a developer runs.
import { spawn } from "node:child_process";

/**
 * Wrangler's local data explorer and local trace collector run inside the same workerd thread as the
 * service. The collector records a span for every D1, queue and R2 call and writes it to SQLite, and
 * the explorer wraps every Durable Object; together they more than doubled what a `GET` costs that
 * thread (measured: 6.5 ms → 2.9 ms of workerd CPU per read) and slowed a 10,000-shipment batch about
 * 1.7×. Neither exists on Cloudflare. Off unless the caller's environment turns them on again.
 */
export const devToolsOff = (env = process.env) => ({
  ...env,
  X_LOCAL_EXPLORER: env.X_LOCAL_EXPLORER ?? "false",
  X_LOCAL_OBSERVABILITY: env.X_LOCAL_OBSERVABILITY ?? "false",
});

export const spawnWranglerDev = (args, options = {}) => spawn("wrangler", ["dev", ...args], { ...options, env: devToolsOff() });

/**
 * Resolves once the dev server at `base` answers `/health` (a minute at most, as wrangler builds
 * first); fails at once if `server`, its process, has exited.
 */
export async function waitUntilUp(base, server) {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/health`)).ok) return; } catch {}
    const exited = server && server.exitCode !== null;
    if (exited || i > 240) throw new Error(`wrangler dev did not start${exited ? ` (it exited with ${server.exitCode}; its errors are above)` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
