import { PDFDocument } from "pdf-lib";
import { embedLabelFonts, labelPages } from "../src/labels/draw";
const l = {
  tracking_number: `9405511899223197412345`, carrier: "usps", service: "usps_priority", service_name: "USPS Priority Mail",
  from: { name: "Warehouse", company: null, street1: "1 Main St", street2: null, city: "Reno", state: "NV", zip: "89501", country: "US", phone: null, email: null },
  to: { name: `Customer 7`, company: null, street1: `7 Elm Street`, street2: null, city: "Springfield", state: "IL", zip: "62701", country: "US", phone: null, email: null },
  weight_oz: 24, zone: 5, ship_date: "2026-04-01", reference: `order-7`,
} as any;
const doc = await PDFDocument.create();
const pages = labelPages(doc, await embedLabelFonts(doc));
console.log(pages.content(l));
