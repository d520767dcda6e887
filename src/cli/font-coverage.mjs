// Writes src/labels/coverage.json: the code points both label fonts draw, as ranges, so validation can
// refuse text the label cannot print without loading the fonts. Run after changing a font:
//   node src/cli/font-coverage.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import fontkit from "@pdf-lib/fontkit";

const require = createRequire(import.meta.url);
const sets = ["400Regular/NotoSans_400Regular.ttf", "700Bold/NotoSans_700Bold.ttf"].map((f) =>
  new Set(fontkit.create(readFileSync(require.resolve(`@expo-google-fonts/noto-sans/${f}`))).characterSet));
const both = [...sets[0]].filter((cp) => sets[1].has(cp) && cp >= 0x20).sort((a, b) => a - b);
const ranges = [];
for (const cp of both) {
  const last = ranges.at(-1);
  if (last && cp === last[1] + 1) last[1] = cp;
  else ranges.push([cp, cp]);
}
writeFileSync(new URL("../labels/coverage.json", import.meta.url), JSON.stringify({ font: "Noto Sans 400/700", ranges }) + "\n");
console.log(`${both.length} code points in ${ranges.length} ranges`);
