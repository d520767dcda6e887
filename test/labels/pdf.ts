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
