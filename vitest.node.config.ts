import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Checks of our output by tools we did not write (poppler, zbar, zpl-renderer-js, Chromium, axe-core),
// which run on the machine, not inside workerd: the label code runs here in Node, as the same modules.
export default defineConfig({
  plugins: [{
    // The generated US ZIP table is a text module in the Worker (wrangler.toml [[rules]]); here the same text.
    name: "txt-as-string",
    enforce: "pre",
    load(id) {
      return id.endsWith(".txt") ? `export default ${JSON.stringify(readFileSync(id, "utf8"))};` : null;
    },
  }, {
    // Workers bundle the fonts as binary modules (wrangler.toml [[rules]]); here they load the same bytes.
    name: "ttf-as-arraybuffer",
    enforce: "pre",
    load(id) {
      if (!id.endsWith(".ttf")) return null;
      return `export default Uint8Array.from(atob(${JSON.stringify(readFileSync(id).toString("base64"))}), (c) => c.charCodeAt(0)).buffer;`;
    },
  }],
  // test/browser drives Debian's Chromium (playwright-core) against a `wrangler dev` of this checkout.
  // A page catches up with a stream event within a throttled re-read: polls wait up to 15 s, so a slow
  // CI machine is slower, not red.
  test: {
    include: ["test/node/**/*.test.ts", "test/browser/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000, environment: "node",
    expect: { poll: { timeout: 15_000 } },
  },
});
