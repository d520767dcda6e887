// An independent Code 128 decoder for tests: the standard symbol table, code sets A/B/C, and the
// mod 103 check character. If the label's bars decode to the tracking number, scanners will too.
const PATTERNS = (
  "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 122231 113222 " +
  "123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 212123 212321 " +
  "232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 112133 112331 132131 113123 113321 133121 " +
  "313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 " +
  "111422 121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 " +
  "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 " +
  "114311 411113 411311 113141 114131 311141 411131 211412 211214 211232"
).split(" ");
const VALUE = new Map(PATTERNS.map((p, i) => [p, i]));

export function decodeCode128(modules: number[]): string {
  const stop = modules.slice(-7).join("");
  if (stop !== "2331112") throw new Error(`no stop pattern: ${stop}`);
  const values: number[] = [];
  for (let i = 0; i < modules.length - 7; i += 6) {
    const v = VALUE.get(modules.slice(i, i + 6).join(""));
    if (v === undefined) throw new Error(`unknown symbol at ${i}`);
    values.push(v);
  }
  const [start, ...rest] = values;
  const check = rest.pop()!;
  const sum = values.slice(0, -1).reduce((acc, v, i) => acc + v * (i === 0 ? 1 : i), 0);
  if (sum % 103 !== check) throw new Error("check character mismatch");
  let set = start === 103 ? "A" : start === 104 ? "B" : start === 105 ? "C" : "";
  if (!set) throw new Error(`bad start ${start}`);
  let out = "";
  for (const [i, v] of rest.entries()) {
    // FNC1: first, it marks GS1-128 (scanners drop it); later, a GS separator between fields.
    if (v === 102) {
      if (i > 0) out += "\x1d";
      continue;
    }
    if (set === "C") {
      if (v < 100) out += String(v).padStart(2, "0");
      else if (v === 100) set = "B";
      else if (v === 101) set = "A";
      continue;
    }
    if (v === 99) set = "C";
    else if (set === "B" && v === 101) set = "A";
    else if (set === "A" && v === 100) set = "B";
    else if (v < 96) out += String.fromCharCode(set === "B" ? v + 32 : v < 64 ? v + 32 : v - 64);
  }
  return out;
}
