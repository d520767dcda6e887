import { PDFDocument } from "pdf-lib";
import { deflateSync } from "node:zlib";
import { embedLabelFonts, labelPages } from "../src/labels/draw";
const lab = (i: number) => ({
  tracking_number: `94055118992231974${String(10000 + i).slice(-5)}`, carrier: "usps", service: "usps_priority", service_name: "USPS Priority Mail",
  from: { name: "Warehouse", company: null, street1: "1 Main St", street2: null, city: "Reno", state: "NV", zip: "89501", country: "US", phone: null, email: null },
  to: { name: `Customer ${i}`, company: null, street1: `${i} Elm Street`, street2: null, city: "Springfield", state: "IL", zip: "62701", country: "US", phone: null, email: null },
  weight_oz: 24, zone: 5, ship_date: "2026-04-01", reference: `order-${i}`,
}) as any;
const doc = await PDFDocument.create();
const pages = labelPages(doc, await embedLabelFonts(doc));
let bytes = 0;
for (let r = 0; r < 30; r++) {
  const labels = Array.from({ length: 100 }, (_, i) => lab(r * 100 + i));
  const t = performance.now();
  for (const l of labels) { const c = pages.content(l); bytes += c.length; }
  const t2 = performance.now();
  for (const l of labels) deflateSync(Buffer.from(pages.content(l), "latin1"), { level: 1 });
  const t3 = performance.now();
  if (r >= 25) console.log(r, "content", (t2 - t).toFixed(1), "ms; content+deflate", (t3 - t2).toFixed(1), "ms; chars a label", Math.round(bytes / ((r + 1) * 100)));
}
