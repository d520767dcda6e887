// Text as a 1-bit bitmap at a thermal printer's 203 dpi, drawn from the same Noto outlines the PDFs
// embed: for thermal labels (ZPL ^GF, EPL2 GW), whose printer fonts cannot draw Greek, Cyrillic or
// most Vietnamese letters. Each outline is flattened to line segments and filled by scanlines with
// the nonzero winding rule, sampling each dot at its centre.
import { glyphOutline, labelText } from "./fonts";

export type Bitmap = { width: number; height: number; bytesPerRow: number; bits: Uint8Array };

const CURVE_STEPS = 8;

/**
 * `text` at `size` points (its baseline `ascent` dots below the bitmap's top), as dots: bit 1 is a
 * black dot, rows top to bottom, the leftmost dot in the high bit. Width is the text's advance.
 */
export function rasterizeText(text: string, size: number, bold: boolean, dotsPerPoint: number): Bitmap & { ascent: number } {
  const t = labelText(text);
  const scale = (size / glyphOutline(0x20, bold).unitsPerEm) * dotsPerPoint;
  // Noto's ascender and descender: 1.069 and 0.293 of the em.
  const ascent = Math.ceil(1.07 * size * dotsPerPoint);
  const height = ascent + Math.ceil(0.3 * size * dotsPerPoint);
  const edges: [number, number, number, number][] = [];
  let pen = 0;
  for (const ch of t) {
    const g = glyphOutline(ch.codePointAt(0)!, bold);
    let start: [number, number] | null = null;
    let at: [number, number] = [0, 0];
    const to = (x: number, y: number): [number, number] => [pen + x * scale, ascent - y * scale];
    const line = (p: [number, number]) => { edges.push([at[0], at[1], p[0], p[1]]); at = p; };
    for (const c of g.commands) {
      const a = c.args;
      if (c.command === "moveTo") {
        if (start && (at[0] !== start[0] || at[1] !== start[1])) line(start);
        at = start = to(a[0], a[1]);
      } else if (c.command === "lineTo") line(to(a[0], a[1]));
      else if (c.command === "quadraticCurveTo") {
        const [x0, y0] = at; const [cx, cy] = to(a[0], a[1]); const [x1, y1] = to(a[2], a[3]);
        for (let i = 1; i <= CURVE_STEPS; i++) {
          const s = i / CURVE_STEPS, u = 1 - s;
          line([u * u * x0 + 2 * u * s * cx + s * s * x1, u * u * y0 + 2 * u * s * cy + s * s * y1]);
        }
      } else if (c.command === "bezierCurveTo") {
        const [x0, y0] = at; const [c1x, c1y] = to(a[0], a[1]); const [c2x, c2y] = to(a[2], a[3]); const [x1, y1] = to(a[4], a[5]);
        for (let i = 1; i <= CURVE_STEPS; i++) {
          const s = i / CURVE_STEPS, u = 1 - s;
          line([u * u * u * x0 + 3 * u * u * s * c1x + 3 * u * s * s * c2x + s * s * s * x1, u * u * u * y0 + 3 * u * u * s * c1y + 3 * u * s * s * c2y + s * s * s * y1]);
        }
      } else if (c.command === "closePath" && start) {
        if (at[0] !== start[0] || at[1] !== start[1]) line(start);
      }
    }
    if (start && (at[0] !== start[0] || at[1] !== start[1])) line(start);
    pen += g.advance * scale;
  }
  const width = Math.max(1, Math.ceil(pen));
  const bytesPerRow = Math.ceil(width / 8);
  const bits = new Uint8Array(bytesPerRow * height);
  for (let row = 0; row < height; row++) {
    const y = row + 0.5;
    const crossings: [number, number][] = [];
    for (const [x0, y0, x1, y1] of edges) {
      if ((y0 <= y && y1 > y) || (y1 <= y && y0 > y)) crossings.push([x0 + ((y - y0) * (x1 - x0)) / (y1 - y0), y1 > y0 ? 1 : -1]);
    }
    crossings.sort((a, b) => a[0] - b[0]);
    let winding = 0;
    for (let i = 0; i < crossings.length - 1; i++) {
      winding += crossings[i][1];
      if (winding === 0) continue;
      // Dots whose centres lie between this crossing and the next are inside.
      const from = Math.max(0, Math.ceil(crossings[i][0] - 0.5));
      const until = Math.min(width - 1, Math.floor(crossings[i + 1][0] - 0.5));
      for (let x = from; x <= until; x++) bits[row * bytesPerRow + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  return { width, height, bytesPerRow, bits, ascent };
}

/** Whether a printer's resident font draws every character: printable ASCII and Latin-1 (ZPL with ^CI28), or ASCII alone (EPL2). */
export const printerDraws = (text: string, latin1: boolean) => [...text].every((ch) => {
  const cp = ch.codePointAt(0)!;
  return (cp >= 0x20 && cp <= 0x7e) || (latin1 && cp >= 0xa0 && cp <= 0xff);
});
