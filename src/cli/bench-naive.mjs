// The naive baseline the benchmark compares against: each label drawn with pdf-lib's high-level API as
// its own document (what a carrier API hands back), then merged by copying pages, 100 a file. Same
// content and layout as src/labels/draw.ts, and the same barcode encoder; none of its shortcuts.
import { code128Modules } from "../labels/barcode.ts";
import { PDFDocument, StandardFonts, rgb } from "pdf-lib";

const W = 288, H = 432;
const black = rgb(0, 0, 0), white = rgb(1, 1, 1);
const printable = (s) => (s ?? "").replace(/[^\x20-\x7E\xA0-\xFF]/g, "?");
const lines = (a) => [a.name, a.company, a.street1, a.street2, `${a.city}, ${a.state} ${a.zip}`].filter(Boolean).map(printable);

async function labelPdf(l) {
  const doc = await PDFDocument.create();
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const page = doc.addPage([W, H]);
  page.drawRectangle({ x: 6, y: 6, width: W - 12, height: H - 12, borderColor: black, borderWidth: 1.2 });
  for (const y of [H - 72, 306, 212, 186, 44]) page.drawLine({ start: { x: 6, y }, end: { x: W - 6, y }, thickness: 1.2, color: black });
  page.drawRectangle({ x: 12, y: H - 66, width: 54, height: 54, color: black });
  page.drawText(l.carrier.toUpperCase().slice(0, 1), { x: 24, y: H - 56, size: 40, font: bold, color: white });
  page.drawText(l.carrier.toUpperCase(), { x: 76, y: H - 30, size: 14, font: bold });
  page.drawText(l.ship_date, { x: 76, y: H - 46, size: 8, font: regular });
  page.drawText(`${(l.weight_oz / 16).toFixed(2)} LB  ZONE ${l.zone}`, { x: 76, y: H - 58, size: 8, font: regular });
  page.drawText("SANDBOX - NOT FOR MAILING", { x: 170, y: H - 30, size: 6, font: regular });
  page.drawText("FROM:", { x: 12, y: H - 84, size: 7, font: bold });
  lines(l.from).forEach((t, i) => page.drawText(t, { x: 12, y: H - 94 - i * 8, size: 7, font: regular }));
  page.drawText("SHIP TO:", { x: 12, y: 296, size: 8, font: bold });
  lines(l.to).forEach((t, i) => page.drawText(t, { x: 24, y: 280 - i * 13.5, size: 12, font: i === 0 ? bold : regular }));
  page.drawText(l.service_name.toUpperCase(), { x: 12, y: 194, size: 12, font: bold });
  page.drawText(`ZIP ${l.to.zip}`, { x: 200, y: 194, size: 10, font: bold });
  const sbs = code128Modules(l.tracking_number);
  const total = sbs.reduce((a, b) => a + b, 0);
  const unit = Math.min(1.5, (W - 40) / total);
  let x = (W - total * unit) / 2;
  sbs.forEach((w, i) => {
    if (i % 2 === 0) page.drawRectangle({ x, y: 80, width: w * unit, height: 90, color: black });
    x += w * unit;
  });
  page.drawText("TRACKING #", { x: 12, y: 174, size: 7, font: bold });
  page.drawText(l.tracking_number, { x: 40, y: 64, size: 11, font: bold });
  if (l.reference) page.drawText(`Ref: ${l.reference}`, { x: 12, y: 28, size: 8, font: regular });
  return doc.save();
}

/** Renders and merges `labels` the naive way; returns seconds, files and bytes written. */
export async function naiveRenderAndMerge(labels) {
  const start = performance.now();
  let bytes = 0, files = 0;
  for (let i = 0; i < labels.length; i += 100) {
    const merged = await PDFDocument.create();
    for (const l of labels.slice(i, i + 100)) {
      const src = await PDFDocument.load(await labelPdf(l));
      const [page] = await merged.copyPages(src, [0]);
      merged.addPage(page);
    }
    bytes += (await merged.save()).length;
    files++;
  }
  return { seconds: (performance.now() - start) / 1000, files, bytes };
}
