// Builds the static files the Worker serves (wrangler.toml [assets], directory public/): the
// dashboard (src/dashboard, bundled by esbuild) at /, and the /docs page's script (Scalar's standalone
// bundle, pinned by the lockfile); and the US ZIP table the Worker bundles (generated/us-zips.txt, from
// the registry's `zipcodes` database, one line a ZIP: its five digits, state and city). Runs on `npm install` (prepare) and before every `wrangler dev` and
// `wrangler deploy` (wrangler.toml [build]), so what is served is always built from this checkout.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { build } from "esbuild";

const require = createRequire(import.meta.url);

// 42,000 ZIPs as ~0.7 MB of text instead of the package's 5 MB module, laid out to be searched as it is
// (src/lib/us-zips.ts): line 1 every ZIP's five digits in order, line 2 every state's two letters in
// the same order, then one city a line.
const { codes } = require("zipcodes");
const zips = Object.values(codes).filter((c) => c.country === "US" && /^\d{5}$/.test(c.zip) && /^[A-Z]{2}$/.test(c.state))
  .sort((a, b) => a.zip.localeCompare(b.zip));
mkdirSync("generated", { recursive: true });
writeFileSync("generated/us-zips.txt", [zips.map((c) => c.zip).join(""), zips.map((c) => c.state).join(""), ...zips.map((c) => c.city.replace(/\n/g, " "))].join("\n"));

mkdirSync("public/docs", { recursive: true });
copyFileSync(require.resolve("@scalar/api-reference/browser/standalone.js"), "public/docs/scalar.js");

await build({
  entryPoints: { app: "src/dashboard/main.tsx" },
  outdir: "public",
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
copyFileSync("src/dashboard/index.html", "public/index.html");
copyFileSync("src/dashboard/favicon.svg", "public/favicon.svg");
copyFileSync("src/dashboard/app.css", "public/app.css");

// Headers for every static file (Workers assets read public/_headers). The dashboard loads nothing
// but its own script and stylesheet and talks only to this origin; no inline script or style runs.
const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self'",
  "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'",
].join("; ");
writeFileSync("public/_headers", `/*
  Content-Security-Policy: ${CSP}
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
  X-Frame-Options: DENY
`);
