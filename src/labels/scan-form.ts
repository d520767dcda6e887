// The SCAN form (USPS 5630-style manifest): one barcode for the carrier to scan at pickup, and a
// list of every bought shipment with totals. Text only, so it is cheap even for 10,000 rows.
import {
  beginText, endText, fill, PDFDocument, popGraphicsState, pushGraphicsState, rectangle, setFillingGrayscaleColor,
  PDFHexString, setFontAndSize, setTextMatrix, showText, type PDFOperator,
} from "pdf-lib";
import type { StoredAddress } from "../schemas/address";
import { formatCents } from "../lib/money";
import { code128Modules } from "./barcode";
import { embedLabelFonts, encodeGlyphs, labelText } from "./fonts";
import { LETTER } from "./merge";

export type ManifestRow = { position: number; tracking_number: string; service: string; weight_oz: number; cents: number };
export type Manifest = { id: string; batch_id: string; shipper: StoredAddress; date: string; rows: ManifestRow[] };

const FIRST_PAGE_ROWS = 40;
const ROWS_PER_PAGE = 48;
export const SCAN_BARCODE = { x: 40, y: 650, height: 45, maxWidth: 532 };

export async function renderScanForm(m: Manifest): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fonts = await embedLabelFonts(doc);
  const totalCents = m.rows.reduce((a, r) => a + r.cents, 0);
  const totalOz = m.rows.reduce((a, r) => a + r.weight_oz, 0);
  const perService = new Map<string, number>();
  for (const r of m.rows) perService.set(r.service, (perService.get(r.service) ?? 0) + 1);
  const pages = 1 + Math.max(0, Math.ceil((m.rows.length - FIRST_PAGE_ROWS) / ROWS_PER_PAGE));

  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([LETTER.width, LETTER.height]);
    const reg = page.node.newFontDictionary(fonts.regular.name, fonts.regular.ref);
    const bold = page.node.newFontDictionary(fonts.bold.name, fonts.bold.ref);
    const ops: PDFOperator[] = [pushGraphicsState()];
    if (p === 0) {
      const modules = code128Modules(m.id);
      const unit = Math.min(1.2, SCAN_BARCODE.maxWidth / modules.reduce((a, b) => a + b, 0));
      let x = SCAN_BARCODE.x;
      ops.push(setFillingGrayscaleColor(0));
      modules.forEach((w, i) => {
        if (i % 2 === 0) ops.push(rectangle(x, SCAN_BARCODE.y, w * unit, SCAN_BARCODE.height));
        x += w * unit;
      });
      ops.push(fill());
    }
    ops.push(beginText());
    // Every line fits the page: one wider than what is left of it from x shrinks until it does.
    const text = (s: string, x: number, y: number, size: number, isBold = false, maxWidth = LETTER.width - 40 - x) => {
      const font = isBold ? fonts.bold : fonts.regular;
      const t = labelText(s);
      const fitted = Math.min(size, (size * maxWidth) / Math.max(1, font.widthOfTextAtSize(t, size)));
      // encodeGlyphs, not pdf-lib's encodeText: its glyphs carry their code points into the ToUnicode map.
      ops.push(setFontAndSize(isBold ? bold : reg, fitted), setTextMatrix(1, 0, 0, 1, x, y), showText(PDFHexString.of(encodeGlyphs(font, t).slice(1, -1))));
    };
    if (p === 0) {
      text("SHIPMENT MANIFEST (SCAN FORM)", 40, 740, 16, true);
      text(`${m.id}   batch ${m.batch_id}`, 40, 722, 8);
      text(`Date: ${m.date}`, 40, 708, 9);
      text(m.id, 40, 638, 8);
      text("Shipper:", 40, 620, 9, true);
      [m.shipper.name, m.shipper.street1, `${m.shipper.city ?? ""}, ${m.shipper.state ?? ""} ${m.shipper.zip ?? ""}`]
        .forEach((l, i) => text(l ?? "", 40, 606 - i * 12, 9));
      text(`Shipments: ${m.rows.length}    Total weight: ${(totalOz / 16).toFixed(2)} lb    Total postage: ${formatCents(totalCents)} USD`, 40, 560, 10, true);
      text([...perService].map(([s, n]) => `${s}: ${n}`).join("   "), 40, 546, 8);
    }
    const top = p === 0 ? 520 : 740;
    text("#", 40, top, 8, true);
    text("Tracking number", 80, top, 8, true);
    text("Service", 290, top, 8, true);
    text("Weight (oz)", 430, top, 8, true);
    text("Postage", 510, top, 8, true);
    const from = p === 0 ? 0 : FIRST_PAGE_ROWS + (p - 1) * ROWS_PER_PAGE;
    const rows = m.rows.slice(from, p === 0 ? FIRST_PAGE_ROWS : from + ROWS_PER_PAGE);
    rows.forEach((r, i) => {
      const y = top - 14 - i * (p === 0 ? 11 : 14);
      text(String(r.position), 40, y, 8);
      text(r.tracking_number, 80, y, 8, false, 200);
      text(r.service, 290, y, 8, false, 130);
      text(String(r.weight_oz), 430, y, 8, false, 70);
      text(formatCents(r.cents), 510, y, 8);
    });
    text(`Page ${p + 1} of ${pages}`, 500, 24, 8);
    ops.push(endText(), popGraphicsState());
    page.pushOperators(...ops);
  }
  return doc.save({ useObjectStreams: false });
}
