// `npm run dev`: migrate the local D1, make sure the test account exists, print its key, serve.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createAccount, keyExists, migrateLocal } from "./local-d1.mjs";
import { spawnWranglerDev } from "./wrangler-dev.mjs";

const KEY_FILE = ".wrangler/dev-key";
const port = process.env.PORT ?? "8787";

// Signed label links need a secret; a fresh clone gets a random one, kept in the ignored .dev.vars.
if (!existsSync(".dev.vars") || !readFileSync(".dev.vars", "utf8").includes("LABEL_SIGNING_SECRET=")) {
  writeFileSync(".dev.vars", `LABEL_SIGNING_SECRET=${randomBytes(32).toString("hex")}\n`, { flag: "a" });
}
migrateLocal();
let key = existsSync(KEY_FILE) ? readFileSync(KEY_FILE, "utf8").trim() : "";
if (!key || !keyExists(key)) {
  key = createAccount("1000000.00").key;
  mkdirSync(".wrangler", { recursive: true });
  writeFileSync(KEY_FILE, key + "\n");
}
console.log(`\nTest API key (balance 1000000.00 when created): ${key}\nDashboard: http://127.0.0.1:${port}/  API: http://127.0.0.1:${port}/v1  docs: http://127.0.0.1:${port}/docs\n`);

// wrangler dev loads from .dev.vars only the secrets wrangler.toml requires; EASYPOST_API_KEY is
// optional (live mode only), so a line of it in .dev.vars is handed over here.
const easypostKey = /^EASYPOST_API_KEY=(.+)$/m.exec(existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "")?.[1].trim().replace(/^"(.*)"$/, "$1");
const args = ["--ip", "127.0.0.1", "--port", port, "--test-scheduled", "--var", `PUBLIC_BASE_URL:http://127.0.0.1:${port}`,
  ...(easypostKey ? ["--var", `EASYPOST_API_KEY:${easypostKey}`] : []), ...process.argv.slice(2)];
if (easypostKey) console.log("Live mode: EASYPOST_API_KEY from .dev.vars");
const child = spawnWranglerDev(args, { stdio: "inherit" });
// Miniflare does not fire cron triggers by itself: the minute's cron (the webhook sweep) is asked for here.
const cron = setInterval(() => { fetch(`http://127.0.0.1:${port}/__scheduled?cron=*+*+*+*+*`).catch(() => {}); }, 60_000);
child.on("exit", () => clearInterval(cron));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code) => process.exit(code ?? 0));
