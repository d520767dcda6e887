// Where a label is drawn in PDF. One 4x6 in label (288 x 432 pt) at an origin on a page; the same
// function fills single-label PDFs, merged 4x6 files and letter sheets. What goes where is layout.ts,
// shared with ZPL. Fonts are embedded once per document by the caller.
import { deflateSync } from "node:zlib";
import { PDFDocument, PDFName, type PDFPage } from "pdf-lib";
import { embedLabelFonts, encodeGlyphs, type LabelFonts } from "./fonts";
import type { LabelData } from "./label";
import { DOT, labelFrame, labelLayout, labelOwn, type LabelElement } from "./layout";

export const LABEL_WIDTH = 288;
export const LABEL_HEIGHT = 432;

export type { LabelData } from "./label";
export type { LabelFonts } from "./fonts";
export { embedLabelFonts } from "./fonts";

const num = (n: number) => String(Math.round(n * 1000) / 1000);
/** A printer dot in points, exact enough that a barcode's last bar lands within a millionth of a dot's share. */
const DOT_PT = DOT.toFixed(7);

/** The names a page's resources give the label fonts, as content refers to them (`/Name`). */
type FontNames = { regular: string; bold: string };

/**
 * Label elements (layout.ts) as PDF operator text: rules and bars as one path each, all text in one
 * BT…ET block. pdf-lib still owns the document (pages, fonts, resources, cross-references) and the
 * fonts' subsets (`encodeText` records each glyph used); skipping its per-operator objects is what
 * makes a 100-label file cheap, and labels are the hot path.
 */
function labelContent(fonts: LabelFonts, names: FontNames, els: readonly LabelElement[], x0: number, y0: number): string {
  const { regular, bold } = names;
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
  return out.join("\n");
}

// A page's content, compressed by the runtime's native zlib: pdf-lib's pure-JS deflate (pako) set up
// fresh state for every page and cost more than the drawing. Level 1: zlib's default level still took
// a fifth of label rendering, for files only ~5% smaller.
const contentStream = (doc: PDFDocument, content: string, dict: Record<string, unknown> = {}) =>
  doc.context.register(doc.context.stream(deflateSync(Buffer.from(content, "latin1"), { level: 1 }), { ...dict, Filter: "FlateDecode" } as never));

/** Draws one label onto a page pdf-lib made (a shipment's own PDF), its fonts named in the page's resources. */
export function drawLabel(page: PDFPage, fonts: LabelFonts, label: LabelData, x0 = 0, y0 = 0) {
  const names = {
    regular: page.node.newFontDictionary(fonts.regular.name, fonts.regular.ref).toString(),
    bold: page.node.newFontDictionary(fonts.bold.name, fonts.bold.ref).toString(),
  };
  page.node.addContentStream(contentStream(page.doc, labelContent(fonts, names, labelLayout(label), x0, y0)));
}

/** Distinct frames a file draws as forms; past this (a file whose senders all differ) they are drawn inline. */
const MAX_FRAMES = 8;

/**
 * Pages of merged labels: every page shares one resource dictionary (the two label fonts and the
 * frames) and takes one content stream, pushed straight onto the page tree (pdf-lib's `addPage` gave
 * each page its own resources, font names and a walk of the tree). A label's frame (layout.ts: outline,
 * sender, service, headings) is written once per file as a form XObject that each page shows with
 * `Do`, so a page draws and compresses only its own parts.
 */
export function labelPages(doc: PDFDocument, fonts: LabelFonts) {
  const context = doc.context;
  const font = { LR: fonts.regular.ref, LB: fonts.bold.ref };
  const forms = context.obj({});
  const resources = context.register(context.obj({ Font: font, XObject: forms }));
  const formResources = context.register(context.obj({ Font: font }));
  const names: FontNames = { regular: "/LR", bold: "/LB" };
  const frames = new Map<string, string>();
  const tree = doc.catalog.Pages();
  const parent = doc.catalog.get(PDFName.of("Pages"));
  return {
    /** A label's content at (x0, y0) on its page. */
    content(label: LabelData, x0 = 0, y0 = 0) {
      const frame = labelFrame(label);
      let name = frames.get(frame.key);
      if (name === undefined && frames.size < MAX_FRAMES) {
        name = `LF${frames.size}`;
        const ref = contentStream(doc, labelContent(fonts, names, frame.elements(), 0, 0), {
          Type: "XObject", Subtype: "Form", BBox: [0, 0, LABEL_WIDTH, LABEL_HEIGHT], Resources: formResources,
        });
        forms.set(PDFName.of(name), ref);
        frames.set(frame.key, name);
      }
      const own = labelContent(fonts, names, labelOwn(label), x0, y0);
      if (name === undefined) return `${labelContent(fonts, names, frame.elements(), x0, y0)}\n${own}`;
      return `q 1 0 0 1 ${num(x0)} ${num(y0)} cm /${name} Do Q\n${own}`;
    },
    /** A page of `width` × `height` points showing these contents. */
    add(width: number, height: number, contents: readonly string[]) {
      const page = context.obj({ Type: "Page", Parent: parent, MediaBox: [0, 0, width, height], Resources: resources, Contents: contentStream(doc, contents.join("\n")) });
      tree.pushLeafNode(context.register(page));
    },
  };
}

/** A PDF holding one label, as a shipment's own `label_url` serves it (`subset: false` embeds whole fonts, for comparison). */
export async function renderLabelPdf(label: LabelData, subset = true): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fonts = await embedLabelFonts(doc, subset);
  drawLabel(doc.addPage([LABEL_WIDTH, LABEL_HEIGHT]), fonts, label);
  return doc.save({ useObjectStreams: false });
}
