// ZPL II for 4x6 thermal printers at 203 dpi (812 x 1218 dots): one ^XA…^XZ per label, walking the
// same layout as the PDF (layout.ts). Text is UTF-8 (^CI28) in the scalable font, each field in a
// field block (^FB) as wide as its box so a printer cannot run it past the edge; the barcode is a
// native ^BC Code 128 (GS1-128 for USPS) at the layout's whole-dot module width. Text the printer's
// font cannot draw (beyond Latin-1: Greek, Cyrillic, most Vietnamese letters) is a ^GF bitmap drawn
// from the same Noto font as the PDFs, at the same size and place, so it fits the same box.
import type { LabelData } from "./label";
import { DOT, labelLayout } from "./layout";
import { printerDraws, rasterizeText } from "./raster";

const d = (pt: number) => Math.round(pt / DOT);
/** Field data with ^FH escapes: the three ZPL control characters and the escape itself. */
const field = (s: string) => s.replace(/[_^~\\]/g, (c) => `_${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);

export function zplLabel(l: LabelData): string {
  const out = ["^XA", "^CI28", "^PW812", "^LL1218", "^LH0,0"];
  for (const e of labelLayout(l)) {
    if (e.kind === "box") out.push(`^FO${d(e.x)},${d(e.y)}^GB${d(e.w)},${d(e.h)},${e.fill ? d(Math.min(e.w, e.h)) : Math.max(1, d(e.thickness ?? 1))}^FS`);
    if (e.kind === "rule") out.push(`^FO${d(6)},${d(e.y)}^GB${d(276)},0,3^FS`);
    if (e.kind === "barcode") out.push(`^FO${d(e.x)},${d(e.y)}^BY${e.moduleDots},3,${d(e.height)}^BCN,${d(e.height)},N,N,N,${e.code.zplMode}^FD${e.code.zpl}^FS`);
    if (e.kind === "text" && !printerDraws(e.text, true)) {
      const b = rasterizeText(e.text, e.size, e.bold, 1 / DOT);
      const hex = Array.from(b.bits, (x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
      out.push(`^FO${d(e.x)},${Math.max(0, Math.round(e.y / DOT) - b.ascent)}^GFA,${b.bits.length},${b.bits.length},${b.bytesPerRow},${hex}${e.inverse ? "^FR" : ""}^FS`);
    } else if (e.kind === "text") {
      const h = d(e.size);
      const top = d(e.y - e.size * 0.78);
      const width = d(288 - 6 - e.x);
      out.push(`^FO${d(e.x)},${top}^A0N,${h},${h}^FB${width},1,0,L${e.inverse ? "^FR" : ""}^FH^FD${field(e.text)}^FS`);
    }
  }
  out.push("^XZ");
  return out.join("\n");
}
