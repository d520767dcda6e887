// `npm run dev`: migrate the local D1, make sure the test account exists, print its key, serve.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createAccount, keyExists, migrateLocal } from "./local-d1.mjs";

const KEY_FILE = ".wrangler/dev-key";
const port = process.env.PORT ?? "8787";

migrateLocal();
let key = existsSync(KEY_FILE) ? readFileSync(KEY_FILE, "utf8").trim() : "";
if (!key || !keyExists(key)) {
  key = createAccount("1000000.00").key;
  mkdirSync(".wrangler", { recursive: true });
  writeFileSync(KEY_FILE, key + "\n");
}
console.log(`\nTest API key (balance 1000000.00 when created): ${key}\nAPI: http://127.0.0.1:${port}  docs: http://127.0.0.1:${port}/docs\n`);

const child = spawn("wrangler", ["dev", "--ip", "127.0.0.1", "--port", port, ...process.argv.slice(2)], { stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code) => process.exit(code ?? 0));
