import { describe, expect, it } from "vitest";
import { code128Modules } from "../../src/labels/barcode";
import { renderLabelPdf, type LabelData } from "../../src/labels/draw";
import { address, from } from "../helpers";
import { decodeCode128 } from "./code128";
import { loadPdf, pageContent, pageText } from "./pdf";

export const sampleLabel = (over: Partial<LabelData> = {}): LabelData => ({
  tracking_number: "9405511899223197428490", carrier: "usps", service: "usps_priority", service_name: "USPS Priority Mail",
  from: { ...from(), company: null, street2: null, phone: null, email: null } as any,
  to: { ...address({ name: "Zoë Ünicode 王" }), company: null, street2: null, phone: null, email: null } as any,
  weight_oz: 24, zone: 5, ship_date: "2026-04-01", reference: "order-1", ...over,
});

describe("a shipment's label PDF", () => {
  it("parses, has one 4x6 in page, and prints addresses, service and tracking number", async () => {
    const doc = await loadPdf(await renderLabelPdf(sampleLabel()));
    expect(doc.getPageCount()).toBe(1);
    expect(Object.values(doc.getPage(0).getSize())).toEqual([288, 432]);
    const text = pageText(doc.getPage(0));
    for (const s of ["9405 5118 9922 3197 4284 90", "USPS PRIORITY MAIL", "Springfield, IL 62701", "Reno, NV 89501", "Warehouse", "Ref: order-1"]) {
      expect(text).toContain(s);
    }
    // Characters the standard fonts cannot show are replaced, not fatal.
    expect(text).toContain("Zoë Ünicode ?");
  });

  it("draws Code 128 bars that decode back to the tracking number", async () => {
    for (const t of ["9405511899223197428490", "1Z999AA10123456784", "797843158299"]) expect(decodeCode128(code128Modules(t))).toBe(t);
    const content = pageContent((await loadPdf(await renderLabelPdf(sampleLabel()))).getPage(0));
    // One filled rectangle per bar, all in the barcode band (y = 80, height 90).
    const bars = [...content.matchAll(/([\d.]+) 80 ([\d.]+) 90 re/g)];
    const modules = code128Modules("9405511899223197428490");
    expect(bars).toHaveLength(Math.ceil(modules.length / 2));
  });
});
