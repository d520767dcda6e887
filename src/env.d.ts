// Optional secrets. `[secrets] required` in wrangler.toml can list only required ones (it types them in
// worker-configuration.d.ts); these may be absent, and the code says what happens then.
interface Env {
  /** EasyPost API key (`wrangler secret put EASYPOST_API_KEY`; locally a line in .dev.vars). Without it live purchases fail clearly. */
  EASYPOST_API_KEY?: string;
  /** The secret of the EasyPost webhook that pushes tracker updates (`wrangler secret put EASYPOST_WEBHOOK_SECRET`). Without it every push is refused (401). */
  EASYPOST_WEBHOOK_SECRET?: string;
  /** `npm run capacity` only ("1"): counts D1 rows and queue messages (src/lib/capacity.ts). Never set in wrangler.toml. */
  CAPACITY_COUNTERS?: string;
}
declare namespace Cloudflare {
  interface Env {
    EASYPOST_API_KEY?: string;
    EASYPOST_WEBHOOK_SECRET?: string;
    CAPACITY_COUNTERS?: string;
  }
}
