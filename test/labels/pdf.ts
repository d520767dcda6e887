import { decodePDFRawStream, PDFArray, PDFDocument, PDFRawStream, type PDFPage } from "pdf-lib";

/** A page's content stream, decompressed, as text (the operators a printer will run). */
export function pageContent(page: PDFPage): string {
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((r) => page.doc.context.lookup(r)) : [contents];
  return streams
    .map((s) => (s instanceof PDFRawStream ? new TextDecoder("latin1").decode(decodePDFRawStream(s).decode()) : ""))
    .join("\n");
}

/** The text drawn on a page: pdf-lib writes Helvetica strings as <hex> Tj. */
export function pageText(page: PDFPage): string {
  return [...pageContent(page).matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)]
    .map((m) => m[1].match(/../g)?.map((h) => String.fromCharCode(parseInt(h, 16))).join("") ?? "")
    .join("\n");
}

export const loadPdf = (bytes: Uint8Array | ArrayBuffer) => PDFDocument.load(bytes);

/**
 * Reads the barcode back off a page: the filled rectangles of the bar band, in x order, turned into
 * module widths (bars and the gaps between them), for decodeCode128.
 */
export function barcodeModules(page: PDFPage, bandY: number, bandH = 90, offsetX = 0, width = 288): number[] {
  const rects = [...pageContent(page).matchAll(/(-?[\d.]+) (-?[\d.]+) ([\d.]+) ([\d.]+) re/g)]
    .map((m) => ({ x: Number(m[1]), y: Number(m[2]), w: Number(m[3]), h: Number(m[4]) }))
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
