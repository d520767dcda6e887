// The customs document of an international shipment, one letter page each: a CN 23 for USPS (the
// UPU's customs declaration, PS Form 2976-A), a commercial invoice for UPS and FedEx. Sender,
// recipient, every item with its HS number, origin, weight and value, the totals, incoterm, export
// filing and the signer. Merged 100 shipments a file, like labels; text only, so it stays cheap.
import {
  PDFDocument, PDFHexString, beginText, endText, lineTo, moveTo, popGraphicsState, pushGraphicsState, setFontAndSize,
  setLineWidth, setTextMatrix, showText, stroke, type PDFOperator,
} from "pdf-lib";
import { formatCents, parseAmount } from "../lib/money";
import { embedLabelFonts, encodeGlyphs, labelText, type LabelFonts } from "./fonts";
import { addressLines } from "./layout";
import type { LabelData } from "./label";
import { LETTER } from "./merge";

export type CustomsDocument = LabelData & { customs: NonNullable<LabelData["customs"]>; position: number };

const CONTENTS: Record<string, string> = {
  merchandise: "Merchandise", gift: "Gift", documents: "Documents", returned_goods: "Returned goods", sample: "Commercial sample", other: "Other",
};
const cents = (v: string | null) => (v && /^\d+(\.\d{1,2})?$/.test(v) ? parseAmount(v) : 0);
export const documentTitle = (carrier: string) => (carrier === "usps" ? "CN 23 CUSTOMS DECLARATION" : "COMMERCIAL INVOICE");

/** Draws one shipment's document on a new page of `doc`. */
export function drawCustomsDocument(doc: PDFDocument, fonts: LabelFonts, d: CustomsDocument) {
  const page = doc.addPage([LETTER.width, LETTER.height]);
  const reg = page.node.newFontDictionary(fonts.regular.name, fonts.regular.ref);
  const bold = page.node.newFontDictionary(fonts.bold.name, fonts.bold.ref);
  const ops: PDFOperator[] = [pushGraphicsState(), beginText()];
  // A line wider than what is left of the page from x (or than maxWidth) shrinks until it fits.
  const text = (s: string, x: number, y: number, size: number, isBold = false, maxWidth = LETTER.width - 40 - x) => {
    const font = isBold ? fonts.bold : fonts.regular;
    const t = labelText(s);
    const fitted = Math.min(size, (size * maxWidth) / Math.max(1, font.widthOfTextAtSize(t, size)));
    ops.push(setFontAndSize(isBold ? bold : reg, fitted), setTextMatrix(1, 0, 0, 1, x, y), showText(PDFHexString.of(encodeGlyphs(font, t).slice(1, -1))));
  };
  const c = d.customs;
  text(documentTitle(d.carrier), 40, 745, 16, true);
  text(`${d.service_name}   Tracking ${d.tracking_number}   Date ${d.ship_date}${d.reference ? `   Ref ${d.reference}` : ""}`, 40, 727, 9);
  text("From (sender)", 40, 700, 9, true);
  addressLines(d.from).forEach((l, i) => text(l, 40, 686 - i * 12, 9, false, 250));
  text("To (addressee)", 320, 700, 9, true);
  [...addressLines(d.to), ...(d.to.phone ? [`Tel. ${d.to.phone}`] : [])].forEach((l, i) => text(l, 320, 686 - i * 12, 9, false, 250));
  const facts = [
    `Category of item: ${CONTENTS[c.contents_type ?? "other"]}${c.contents_type === "other" && c.contents_explanation ? ` (${c.contents_explanation})` : ""}`,
    `Terms of delivery (incoterm): ${c.incoterm ?? "DDU"}`,
    `Export filing (EEL/PFC): ${c.eel_pfc ?? ""}${c.itn ? `   ITN ${c.itn}` : ""}`,
    `If undeliverable: ${c.non_delivery_option === "abandon" ? "treat as abandoned" : "return to sender"}`,
  ];
  facts.forEach((f, i) => text(f, 40, 590 - i * 13, 9));
  const top = 520;
  const columns: [string, number][] = [["Description of contents", 40], ["Qty", 270], ["HS tariff number", 305], ["Origin", 395], ["Weight (oz)", 440], ["Value (USD)", 510]];
  for (const [label, x] of columns) text(label, x, top, 8, true);
  c.items.forEach((item, i) => {
    const y = top - 15 - i * 12;
    text(item.description ?? "", 40, y, 8, false, 225);
    text(String(item.quantity ?? ""), 270, y, 8, false, 30);
    text(item.hs_tariff_number ?? "", 305, y, 8, false, 85);
    text(item.origin_country ?? "", 395, y, 8, false, 40);
    text(String(item.weight_oz ?? ""), 440, y, 8, false, 65);
    text(formatCents(cents(item.value)), 510, y, 8, false, 60);
  });
  const oz = c.items.reduce((s, i) => s + (i.weight_oz ?? 0), 0);
  const value = c.items.reduce((s, i) => s + cents(i.value), 0);
  const totalsY = top - 15 - c.items.length * 12 - 8;
  text(`Total: ${c.items.reduce((s, i) => s + (i.quantity ?? 0), 0)} pieces`, 40, totalsY, 9, true);
  text(`Total weight ${Math.round(oz * 100) / 100} oz (parcel ${d.weight_oz} oz)`, 305, totalsY, 9, true);
  text(`Total value ${formatCents(value)} USD`, 470, totalsY, 9, true);
  text("I certify that the particulars given in this declaration are correct and that this item does not contain any", 40, 120, 8);
  text("dangerous article or articles prohibited by legislation or by postal or customs regulations.", 40, 110, 8);
  text(`Signer: ${c.signer ?? ""}`, 40, 84, 10, true);
  text(`Date: ${d.ship_date}`, 320, 84, 10);
  text("Signature", 40, 50, 8);
  ops.push(endText(), setLineWidth(0.8), moveTo(40, 60), lineTo(300, 60), stroke(), moveTo(40, top - 5), lineTo(LETTER.width - 40, top - 5), stroke(), popGraphicsState());
  page.pushOperators(...ops);
}

/**
 * One file of customs documents, in the order given; `between` runs after each (see merge.ts). A
 * document the provider made (`provided`, by position) is copied in as it is, all of its pages.
 */
export async function mergeCustomsForms(docs: readonly CustomsDocument[], between: () => Promise<void> = async () => {}, provided: ReadonlyMap<number, Uint8Array> = new Map()): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fonts = await embedLabelFonts(doc);
  for (const d of docs) {
    const theirs = provided.get(d.position);
    if (theirs) {
      const source = await PDFDocument.load(theirs);
      for (const page of await doc.copyPages(source, source.getPageIndices())) doc.addPage(page);
    } else drawCustomsDocument(doc, fonts, d);
    await between();
  }
  return doc.save({ useObjectStreams: false, objectsPerTick: 25 });
}
