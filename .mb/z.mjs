import { deflateSync } from "node:zlib";
import { zlibSync } from "fflate";
import { readFileSync } from "node:fs";
const sample = Array.from({ length: 100 }, (_, i) => `q 0 G 0 g\n1.2 w 6 426 m 282 426 l S\n` + Array.from({ length: 90 }, (_, k) => `${k * 7 + i % 5} 0 ${1 + (k % 4)} 253.8 re`).join("\n") + `\nBT /LR 12 Tf 0 g 1 0 0 1 24 ${100 + i} Tm <00230045004F> Tj\nET Q`);
const enc = sample.map((s) => Buffer.from(s, "latin1"));
for (let r = 0; r < 6; r++) {
  let t = performance.now(); let n1 = 0;
  for (const b of enc) n1 += deflateSync(b, { level: 1 }).length;
  const a = performance.now() - t; t = performance.now(); let n2 = 0;
  for (const b of enc) n2 += zlibSync(b, { level: 1 }).length;
  const f = performance.now() - t; t = performance.now(); let n3 = 0;
  for (const b of enc) n3 += zlibSync(b, { level: 6, mem: 4 }).length;
  const g = performance.now() - t;
  console.log(`node zlib ${a.toFixed(1)} ms ${n1} B | fflate l1 ${f.toFixed(1)} ms ${n2} B | fflate l6 mem4 ${g.toFixed(1)} ms ${n3} B; input ${enc.reduce((x, b) => x + b.length, 0)}`);
}
