// EPL2 for 4x6 thermal printers at 203 dpi (812 x 1218 dots): one N…P1 form per label, walking the
// same layout as the PDF and ZPL (layout.ts). Text is in a resident font (1–5) with multipliers, the
// largest that prints it no wider than the layout measured it, so it fits the same box; text a
// resident font cannot draw (anything beyond ASCII) or that no font fits is a GW bitmap drawn from
// the same Noto font (raster.ts). Bars are Code 128 at the layout's whole-dot module width; USPS's
// is UCC/EAN-128 (type 1E, FNC1 first) with 420 and the ZIP, a GS, then the tracking number.
import type { LabelData } from "./label";
import { DOT, labelLayout, W, type TextEl } from "./layout";
import { textWidth } from "./fonts";
import { printerDraws, rasterizeText } from "./raster";
import { concatBytes } from "../lib/bytes";

const d = (pt: number) => Math.round(pt / DOT);

/** EPL2's resident fonts at 203 dpi: the character cell (spacing included) in dots. */
export const EPL_FONTS = [
  { font: 1, width: 10, height: 12 },
  { font: 2, width: 12, height: 16 },
  { font: 3, width: 14, height: 20 },
  { font: 4, width: 16, height: 24 },
  { font: 5, width: 36, height: 48, upperOnly: true },
] as const;

const quoted = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** The resident font and multipliers for a text: as tall as its size, no wider than the layout gave it; null when none fits. */
export function residentFont(e: Pick<TextEl, "text" | "size" | "bold">): { font: number; h: number; v: number; height: number } | null {
  if (!printerDraws(e.text, false)) return null;
  const wanted = d(e.size);
  const room = d(textWidth(e.text, e.size, e.bold)) * 1.05 + 2;
  const options = EPL_FONTS.flatMap((f) => [1, 2, 3, 4].map((m) => ({ f, m })))
    .filter(({ f }) => !("upperOnly" in f) || e.text === e.text.toUpperCase())
    .filter(({ f, m }) => f.height * m <= wanted * 1.15 && f.width * m * [...e.text].length <= room)
    .sort((a, b) => b.f.height * b.m - a.f.height * a.m);
  const best = options[0];
  if (!best || best.f.height * best.m < wanted * 0.6) return null;
  return { font: best.f.font, h: best.m, v: best.m, height: best.f.height * best.m };
}

export function epl2Label(l: LabelData): Uint8Array {
  const parts: (string | Uint8Array)[] = ["\nN\nq812\nQ1218,24\nD10\nZT\n"];
  for (const e of labelLayout(l)) {
    if (e.kind === "box") {
      if (e.fill) parts.push(`LO${d(e.x)},${d(e.y)},${d(e.w)},${d(e.h)}\n`);
      else parts.push(`X${d(e.x)},${d(e.y)},${Math.max(1, d(e.thickness ?? 1))},${d(e.x + e.w)},${d(e.y + e.h)}\n`);
    }
    if (e.kind === "rule") parts.push(`LO${d(6)},${d(e.y)},${d(W - 12)},3\n`);
    if (e.kind === "barcode") {
      const gs1 = e.code.gs1;
      const data = gs1 ? e.code.decoded : e.code.text;
      parts.push(`B${d(e.x)},${d(e.y)},0,${gs1 ? "1E" : "1"},${e.moduleDots},${e.moduleDots},${d(e.height)},N,${quoted(data)}\n`);
    }
    if (e.kind === "text") {
      const resident = residentFont(e);
      if (resident) {
        const top = Math.max(0, d(e.y) - Math.round(resident.height * 0.8));
        parts.push(`A${d(e.x)},${top},0,${resident.font},${resident.h},${resident.v},${e.inverse ? "R" : "N"},${quoted(e.text)}\n`);
      } else {
        // EPL2's GW draws a 0 bit black: the bitmap's bits inverted.
        const b = rasterizeText(e.text, e.size, e.bold, 1 / DOT);
        const data = e.inverse ? b.bits : b.bits.map((x) => ~x & 0xff);
        parts.push(`GW${d(e.x)},${Math.max(0, Math.round(e.y / DOT) - b.ascent)},${b.bytesPerRow},${b.height},`, data, "\n");
      }
    }
  }
  parts.push("P1\n");
  return concatBytes(parts.map((p) => (typeof p === "string" ? new TextEncoder().encode(p) : p)));
}


