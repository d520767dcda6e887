import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Workers give an isolate 128 MB. workerd does not enforce that locally, so the tests cap every
// isolate's V8 heap at it: code that needs more crashes the runtime here as it would fail on Cloudflare.
process.env.MINIFLARE_WORKERD_V8_FLAGS ??= "--max-heap-size=128";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, LABEL_SIGNING_SECRET: "test-signing-secret", WEBHOOK_TIMEOUT_MS: "300", WEBHOOK_DNS_RESOLVER: "https://dns.test/dns-query",
          EASYPOST_API_KEY: "EZAK_standin_live", EASYPOST_BASE_URL: "https://easypost.test/v2" } },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      include: ["test/**/*.test.ts"],
      // test/node and test/browser run in Node (vitest.node.config.ts): labels read by poppler, zbar and a
      // ZPL renderer; the dashboard driven in Chromium.
      exclude: ["test/node/**", "test/browser/**"],
      testTimeout: 30_000,
      // One runner for all files: every test makes its own account, so shared storage is safe, and it
      // saves a workerd start and a module transform per file.
      isolate: false,
    },
  };
});
