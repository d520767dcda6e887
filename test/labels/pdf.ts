import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, type PDFPage } from "pdf-lib";

/** A page's content stream, decompressed, as text (the operators a printer will run). */
export function pageContent(page: PDFPage): string {
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((r) => page.doc.context.lookup(r)) : [contents];
  return streams
    .map((s) => (s instanceof PDFRawStream ? new TextDecoder("latin1").decode(decodePDFRawStream(s).decode()) : ""))
    .join("\n");
}

/** A font's ToUnicode CMap as glyph code (hex) → text. */
function toUnicode(doc: PDFDocument, fontRef: unknown): Map<string, string> {
  const font = doc.context.lookup(fontRef as never) as PDFDict;
  const map = new Map<string, string>();
  const cmap = font.lookup(PDFName.of("ToUnicode"));
  if (!(cmap instanceof PDFRawStream)) return map;
  const text = new TextDecoder("latin1").decode(decodePDFRawStream(cmap).decode());
  const utf16 = (hex: string) => String.fromCharCode(...(hex.match(/..../g) ?? []).map((h) => parseInt(h, 16)));
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(m[1].toUpperCase(), utf16(m[2]));
  }
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      const [lo, hi, dst] = [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
      for (let c = lo; c <= hi; c++) map.set(c.toString(16).toUpperCase().padStart(m[1].length, "0"), String.fromCharCode(dst + c - lo));
    }
  }
  return map;
}

/** The text drawn on a page, one string a Tj, read back through each font's ToUnicode map as a PDF reader does. */
export function pageText(page: PDFPage): string {
  return contentText(page.doc, pageContent(page), page.node.Resources());
}

/**
 * The text a content stream shows through `resources`' fonts, in order; a form XObject it shows
 * (`/Name Do`) has its text read where it is shown, through the form's own resources.
 */
function contentText(doc: PDFDocument, content: string, resources: PDFDict | undefined): string {
  const fonts = resources?.lookup(PDFName.of("Font"), PDFDict);
  const maps = new Map<string, Map<string, string>>();
  for (const [name, ref] of fonts?.entries() ?? []) maps.set(name.asString().slice(1), toUnicode(doc, ref));
  let current = new Map<string, string>();
  const out: string[] = [];
  for (const m of content.matchAll(/\/(\S+) [\d.]+ Tf|<([0-9A-Fa-f]*)>\s*Tj|\/(\S+) Do\b/g)) {
    if (m[1]) current = maps.get(m[1]) ?? new Map();
    else if (m[3]) {
      const form = resources?.lookup(PDFName.of("XObject"), PDFDict)?.lookup(PDFName.of(m[3]));
      if (form instanceof PDFRawStream) {
        const text = new TextDecoder("latin1").decode(decodePDFRawStream(form).decode());
        out.push(contentText(doc, text, form.dict.lookup(PDFName.of("Resources"), PDFDict)));
      }
    } else out.push((m[2].match(/..../g) ?? []).map((g) => current.get(g.toUpperCase()) ?? "\ufffd").join(""));
  }
  return out.join("\n");
}

export const loadPdf = (bytes: Uint8Array | ArrayBuffer) => PDFDocument.load(bytes);

/**
 * Reads the barcode back off a page: the filled rectangles of the bar band, in x order, turned into
 * module widths (bars and the gaps between them), for decodeCode128.
 */
export function barcodeModules(page: PDFPage, bandY: number, bandH = 90, offsetX = 0, width = 288): number[] {
  const rects = filledRects(pageContent(page))
    .filter((r) => Math.abs(r.y - bandY) < 0.01 && Math.abs(r.h - bandH) < 0.01 && r.x >= offsetX && r.x < offsetX + width)
    .sort((a, b) => a.x - b.x);
  const unit = Math.min(...rects.map((r) => r.w));
  const modules: number[] = [];
  rects.forEach((r, i) => {
    if (i > 0) modules.push(Math.round((r.x - (rects[i - 1].x + rects[i - 1].w)) / unit));
    modules.push(Math.round(r.w / unit));
  });
  return modules;
}

/**
 * The rectangles a page's content draws, in page points: `re` operands through the scale-and-move
 * `cm` matrices in force (`q` saves one, `Q` restores it), as a viewer places them.
 */
export function filledRects(content: string): { x: number; y: number; w: number; h: number }[] {
  const n = String.raw`(-?[\d.]+)`;
  const ops = new RegExp(String.raw`(?:^|\s)(q|Q)(?=\s|$)|${n} ${n} ${n} ${n} ${n} ${n} cm|${n} ${n} ${n} ${n} re`, "g");
  let m = { a: 1, d: 1, e: 0, f: 0 };
  const saved: (typeof m)[] = [];
  const out: { x: number; y: number; w: number; h: number }[] = [];
  for (const op of content.matchAll(ops)) {
    if (op[1] === "q") saved.push(m);
    else if (op[1] === "Q") m = saved.pop() ?? { a: 1, d: 1, e: 0, f: 0 };
    else if (op[2] !== undefined) {
      const [a, , , d, e, f] = op.slice(2, 8).map(Number);
      m = { a: m.a * a, d: m.d * d, e: m.e + m.a * e, f: m.f + m.d * f };
    } else {
      const [x, y, w, h] = op.slice(8, 12).map(Number);
      out.push({ x: m.e + m.a * x, y: m.f + m.d * y, w: m.a * w, h: m.d * h });
    }
  }
  return out;
}
