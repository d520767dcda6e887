import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, LABEL_SIGNING_SECRET: "test-signing-secret", WEBHOOK_TIMEOUT_MS: "300" } },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      include: ["test/**/*.test.ts"],
      testTimeout: 30_000,
      // One runner for all files: every test makes its own account, so shared storage is safe, and it
      // saves a workerd start and a module transform per file.
      isolate: false,
    },
  };
});
