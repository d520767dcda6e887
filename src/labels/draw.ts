// Where a label is drawn. One 4x6 in label (288 x 432 pt) at an origin on a page; the same function
// fills single-label PDFs, merged 4x6 files and letter sheets. Fonts are embedded once per document
// by the caller, which is what makes a 100-label file cheap.
import { deflateSync } from "node:zlib";
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from "pdf-lib";
import type { StoredAddress } from "../schemas/address";
import { letRequestsIn } from "../lib/foreground";
import { code128Modules } from "./barcode";

export const LABEL_WIDTH = 288;
export const LABEL_HEIGHT = 432;

export type LabelData = {
  tracking_number: string;
  carrier: string;
  service: string;
  service_name: string;
  from: StoredAddress;
  to: StoredAddress;
  weight_oz: number;
  zone: number;
  ship_date: string;
  reference: string | null;
};

export type LabelFonts = { regular: PDFFont; bold: PDFFont };

/**
 * The first embedding of a standard font in an isolate inflates its metrics (pdf-lib keeps them after):
 * the bench's profile showed both fonts together holding the thread for 13-22 ms. One at a time, with
 * requests let in between, a client polling meanwhile waits for one font, not both.
 */
export async function embedLabelFonts(doc: PDFDocument): Promise<LabelFonts> {
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  await letRequestsIn();
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  return { regular, bold };
}

/** The standard fonts speak WinAnsi only; anything else prints as "?" rather than failing the file. */
export const printable = (s: string | null | undefined) => (s ?? "").replace(/[^\x20-\x7E\xA0-\xFF]/g, "?");

function addressLines(a: StoredAddress): string[] {
  return [a.name, a.company, a.street1, a.street2, `${a.city ?? ""}, ${a.state ?? ""} ${a.zip ?? ""}`, a.country === "US" ? null : a.country]
    .filter((l): l is string => !!l)
    .map(printable);
}

const num = (n: number) => String(Math.round(n * 1000) / 1000);
/** WinAnsi hex for text already limited to printable Latin-1 (where WinAnsi and Latin-1 agree). */
const hex = (s: string) => {
  let out = "<";
  for (let i = 0; i < s.length; i++) out += s.charCodeAt(i).toString(16).padStart(2, "0");
  return out + ">";
};

/**
 * Draws one label as a single content stream: rules and bars as one path each, all text in one BT…ET
 * block, written as PDF operator text. pdf-lib still owns the document (pages, fonts, resources,
 * cross-references); skipping its per-operator objects is what makes a 100-label file several times
 * cheaper than drawText/drawRectangle, and labels are the hot path.
 */
export function drawLabel(page: PDFPage, fonts: LabelFonts, label: LabelData, x0 = 0, y0 = 0) {
  const W = LABEL_WIDTH, H = LABEL_HEIGHT;
  const regular = page.node.newFontDictionary(fonts.regular.name, fonts.regular.ref).toString();
  const bold = page.node.newFontDictionary(fonts.bold.name, fonts.bold.ref).toString();
  const out: string[] = ["q 0 G 1.2 w", `${num(x0 + 6)} ${num(y0 + 6)} ${W - 12} ${H - 12} re`];
  for (const y of [H - 72, 306, 212, 186, 44]) out.push(`${num(x0 + 6)} ${num(y0 + y)} m ${num(x0 + W - 6)} ${num(y0 + y)} l`);
  // Service box: the carrier's initial in white on black, like a mail class indicator.
  out.push("S 0 g", `${num(x0 + 12)} ${num(y0 + H - 66)} 54 54 re f`);

  const modules = code128Modules(label.tracking_number);
  const total = modules.reduce((a, b) => a + b, 0);
  const unit = Math.min(1.5, (W - 40) / total);
  let x = x0 + (W - total * unit) / 2;
  const barY = num(y0 + 80);
  for (let i = 0; i < modules.length; i++) {
    if (i % 2 === 0) out.push(`${num(x)} ${barY} ${num(modules[i] * unit)} 90 re`);
    x += modules[i] * unit;
  }
  out.push("f BT");

  let current = "";
  const text = (s: string, tx: number, ty: number, size: number, isBold = false) => {
    const font = `${isBold ? bold : regular} ${size} Tf`;
    if (font !== current) out.push((current = font));
    out.push(`1 0 0 1 ${num(x0 + tx)} ${num(y0 + ty)} Tm ${hex(printable(s))} Tj`);
  };
  out.push("1 g");
  text(label.carrier.toUpperCase().slice(0, 1), 24, H - 56, 40, true);
  out.push("0 g");
  text(label.carrier.toUpperCase(), 76, H - 30, 14, true);
  text(label.ship_date, 76, H - 46, 8);
  text(`${(label.weight_oz / 16).toFixed(2)} LB  ZONE ${label.zone}`, 76, H - 58, 8);
  text("SANDBOX - NOT FOR MAILING", 170, H - 30, 6);
  text("FROM:", 12, H - 84, 7, true);
  addressLines(label.from).slice(0, 5).forEach((line, i) => text(line, 12, H - 94 - i * 8, 7));
  text("SHIP TO:", 12, 296, 8, true);
  addressLines(label.to).slice(0, 6).forEach((line, i) => text(line, 24, 280 - i * 13.5, 12, i === 0));
  text(label.service_name.toUpperCase(), 12, 194, 12, true);
  text(`ZIP ${label.to.zip ?? ""}`, 200, 194, 10, true);
  text("TRACKING #", 12, 174, 7, true);
  const grouped = formatTracking(label.tracking_number);
  text(grouped, (W - fonts.bold.widthOfTextAtSize(grouped, 11)) / 2, 64, 11, true);
  if (label.reference) text(`Ref: ${label.reference}`, 12, 28, 8);
  out.push("ET Q");
  // The fragment becomes its own content stream on the page, compressed by the runtime's native zlib:
  // pdf-lib's pure-JS deflate (pako) set up fresh state for every page and cost more than the drawing.
  // Level 1: zlib's default level still took a fifth of label rendering, for files only ~5% smaller.
  const context = page.doc.context;
  const stream = context.stream(deflateSync(Buffer.from(out.join("\n"), "latin1"), { level: 1 }), { Filter: "FlateDecode" });
  page.node.addContentStream(context.register(stream));
}

/** Groups digits the way carriers print them (USPS in fours, UPS 1Z as 2-6-2-4-4). */
export function formatTracking(t: string): string {
  if (t.startsWith("1Z")) return [t.slice(0, 2), t.slice(2, 8), t.slice(8, 10), t.slice(10, 14), t.slice(14)].join(" ");
  return t.replace(/(.{4})(?=.)/g, "$1 ");
}

/** A PDF holding one label, as a shipment's own `label_url` serves it. */
export async function renderLabelPdf(label: LabelData): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fonts = await embedLabelFonts(doc);
  drawLabel(doc.addPage([LABEL_WIDTH, LABEL_HEIGHT]), fonts, label);
  return doc.save({ useObjectStreams: false });
}
