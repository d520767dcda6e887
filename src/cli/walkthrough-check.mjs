// CI: runs the README's walk-through (examples/walkthrough.sh) against `npm run dev`, as a user would
// from a fresh clone, so the README cannot drift from what the service does.
import { spawn, execFileSync } from "node:child_process";

const port = process.env.WALKTHROUGH_PORT ?? "8797";
const dev = spawn("npm", ["run", "dev"], { env: { ...process.env, PORT: port }, stdio: ["ignore", "pipe", "inherit"], detached: true });
let out = "";
dev.stdout.on("data", (d) => { out += d; });
const stop = () => { try { process.kill(-dev.pid, "SIGTERM"); } catch {} };
process.on("exit", stop);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; ; i++) {
  try { if ((await fetch(`http://127.0.0.1:${port}/health`)).ok && /sk_test_\w+/.test(out)) break; } catch {}
  if (i > 240) throw new Error(`npm run dev did not start:\n${out}`);
  await sleep(250);
}
const key = /sk_test_\w+/.exec(out)[0];
execFileSync("bash", ["examples/walkthrough.sh"], { stdio: "inherit", env: { ...process.env, KEY: key, API: `http://127.0.0.1:${port}` } });
console.log("walk-through: ok");
process.exit(0);
