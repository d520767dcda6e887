// Where a label is drawn in PDF. One 4x6 in label (288 x 432 pt) at an origin on a page; the same
// function fills single-label PDFs, merged 4x6 files and letter sheets. What goes where is layout.ts,
// shared with ZPL. Fonts are embedded once per document by the caller.
import { deflateSync } from "node:zlib";
import { PDFDocument, type PDFPage } from "pdf-lib";
import { embedLabelFonts, encodeGlyphs, type LabelFonts } from "./fonts";
import type { LabelData } from "./label";
import { DOT, labelLayout } from "./layout";

export const LABEL_WIDTH = 288;
export const LABEL_HEIGHT = 432;

export type { LabelData } from "./label";
export type { LabelFonts } from "./fonts";
export { embedLabelFonts } from "./fonts";

const num = (n: number) => String(Math.round(n * 1000) / 1000);
/** A printer dot in points, exact enough that a barcode's last bar lands within a millionth of a dot's share. */
const DOT_PT = DOT.toFixed(7);

/**
 * Draws one label (layout.ts) as a single content stream: rules and bars as one path each, all text
 * in one BT…ET block, written as PDF operator text. pdf-lib still owns the document (pages, fonts,
 * resources, cross-references) and the fonts' subsets (`encodeText` records each glyph used);
 * skipping its per-operator objects is what makes a 100-label file cheap, and labels are the hot path.
 */
export function drawLabel(page: PDFPage, fonts: LabelFonts, label: LabelData, x0 = 0, y0 = 0) {
  const els = labelLayout(label);
  const regular = page.node.newFontDictionary(fonts.regular.name, fonts.regular.ref).toString();
  const bold = page.node.newFontDictionary(fonts.bold.name, fonts.bold.ref).toString();
  // From the layout's top-left points to PDF's bottom-left ones.
  const X = (x: number) => num(x0 + x);
  const Y = (y: number) => num(y0 + LABEL_HEIGHT - y);
  const out: string[] = ["q 0 G 0 g"];
  for (const e of els) {
    if (e.kind === "box") out.push(e.fill ? `${X(e.x)} ${Y(e.y + e.h)} ${num(e.w)} ${num(e.h)} re f` : `${num(e.thickness ?? 1)} w ${X(e.x)} ${Y(e.y + e.h)} ${num(e.w)} ${num(e.h)} re S`);
    if (e.kind === "rule") out.push(`1.2 w ${X(6)} ${Y(e.y)} m ${X(LABEL_WIDTH - 6)} ${Y(e.y)} l S`);
    if (e.kind === "barcode") {
      // In printer dots (a `cm` to the barcode's corner, scaled by a dot): each bar is whole numbers,
      // half the text of points to three decimals, and bars are most of a label's content.
      const height = ` ${num(e.height / DOT)} re`;
      out.push(`q ${DOT_PT} 0 0 ${DOT_PT} ${X(e.x)} ${Y(e.y + e.height)} cm`);
      let x = 0;
      for (let i = 0; i < e.modules.length; i++) {
        const w = e.modules[i] * e.moduleDots;
        if (i % 2 === 0) out.push(`${x} 0 ${w}${height}`);
        x += w;
      }
      out.push("f Q");
    }
  }
  out.push("BT");
  let current = "";
  for (const e of els) {
    if (e.kind !== "text") continue;
    const font = `${e.bold ? bold : regular} ${num(e.size)} Tf`;
    if (font !== current) out.push((current = font));
    const glyphs = encodeGlyphs(e.bold ? fonts.bold : fonts.regular, e.text);
    out.push(`${e.inverse ? "1" : "0"} g 1 0 0 1 ${X(e.x)} ${Y(e.y)} Tm ${glyphs} Tj`);
  }
  out.push("ET Q");
  // The fragment becomes its own content stream on the page, compressed by the runtime's native zlib:
  // pdf-lib's pure-JS deflate (pako) set up fresh state for every page and cost more than the drawing.
  // Level 1: zlib's default level still took a fifth of label rendering, for files only ~5% smaller.
  const context = page.doc.context;
  const stream = context.stream(deflateSync(Buffer.from(out.join("\n"), "latin1"), { level: 1 }), { Filter: "FlateDecode" });
  page.node.addContentStream(context.register(stream));
}

/** A PDF holding one label, as a shipment's own `label_url` serves it (`subset: false` embeds whole fonts, for comparison). */
export async function renderLabelPdf(label: LabelData, subset = true): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fonts = await embedLabelFonts(doc, subset);
  drawLabel(doc.addPage([LABEL_WIDTH, LABEL_HEIGHT]), fonts, label);
  return doc.save({ useObjectStreams: false });
}
