// Runs on `npm install` (the `prepare` script): copies the static files the Worker serves into
// public/ (wrangler.toml [assets]) from the packages that pin them. Today: the /docs page's script.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
mkdirSync("public/docs", { recursive: true });
copyFileSync(require.resolve("@scalar/api-reference/browser/standalone.js"), "public/docs/scalar.js");
