// `npm run client`: regenerates src/client/schema.d.ts, the typed client's types, from the OpenAPI
// document the service serves (built here by the same test runner the document's checks use).
import { execFileSync } from "node:child_process";
execFileSync("npx", ["vitest", "run", "--config", "vitest.node.config.ts", "test/node/openapi.test.ts"], {
  stdio: "inherit", env: { ...process.env, WRITE_CLIENT_TYPES: "1" },
});
