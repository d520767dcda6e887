// Node-side helpers for the local commands: they talk to the same Miniflare D1 that `wrangler dev`
// uses (under .wrangler/state), through wrangler itself.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";

const wrangler = (args) =>
  execFileSync("wrangler", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "true" } });

// The benchmark keeps its own state elsewhere so it never touches the dev database.
const persist = () => (process.env.BATCH_LABELS_PERSIST ? ["--persist-to", process.env.BATCH_LABELS_PERSIST] : []);

export function migrateLocal() {
  wrangler(["d1", "migrations", "apply", "DB", "--local", ...persist()]);
}

export function queryLocal(sql) {
  const out = wrangler(["d1", "execute", "DB", "--local", ...persist(), "--json", "--command", sql]);
  return JSON.parse(out)[0]?.results ?? [];
}

const sha256 = (s) => createHash("sha256").update(s).digest("hex");

/** Creates an account with a prepaid balance and a test key; only the key's hash is stored. */
export function createAccount(balance, mode = "test") {
  if (!/^\d+(\.\d{1,2})?$/.test(balance)) throw new Error(`--balance must look like 25.00, not ${balance}`);
  const [whole, frac = ""] = balance.split(".");
  const cents = Number(whole) * 100 + Number(frac.padEnd(2, "0"));
  const id = `acct_${randomBytes(10).toString("hex")}`;
  const key = `sk_${mode}_${randomBytes(24).toString("base64url").replace(/[-_]/g, "")}`;
  const now = new Date().toISOString();
  queryLocal(
    `INSERT INTO accounts (id, balance_cents, currency, created_at) VALUES ('${id}', ${cents}, 'USD', '${now}');` +
      `INSERT INTO api_keys (key_hash, account_id, mode, created_at) VALUES ('${sha256(key)}', '${id}', '${mode}', '${now}');`,
  );
  return { id, key };
}

export const keyExists = (key) =>
  queryLocal(`SELECT 1 AS ok FROM api_keys WHERE key_hash = '${sha256(key)}' AND revoked_at IS NULL`).length > 0;
