import { describe, expect, it } from "vitest";
import { code128Modules } from "../../src/labels/barcode";
import { renderLabelPdf, type LabelData } from "../../src/labels/draw";
import { mergeLabels } from "../../src/labels/merge";
import { warmLabelFonts } from "../../src/labels/fonts";
import { PDFDict, PDFName } from "pdf-lib";
import { address, from } from "../helpers";
import { decodeCode128 } from "./code128";
import { barcodeModules, loadPdf, pageText } from "./pdf";

export const sampleLabel = (over: Partial<LabelData> = {}): LabelData => ({
  tracking_number: "9405511899223197428490", carrier: "usps", service: "usps_priority", service_name: "USPS Priority Mail",
  from: { ...from(), company: null, street2: null, phone: null, email: null } as any,
  to: { ...address({ name: "Zoë Łukasz Ünicode" }), company: null, street2: null, phone: null, email: null } as any,
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
    // Printed in its own letters (the label font is Noto Sans, embedded as a subset).
    expect(text).toContain("Zoë Łukasz Ünicode");
  });

  it("draws Code 128 bars: the IMpb (GS1-128: 420, ZIP, FNC1, tracking) for USPS, the tracking number otherwise", async () => {
    for (const t of ["1Z999AA10123456784", "797843158299"]) expect(decodeCode128(code128Modules(t))).toBe(t);
    const page = (await loadPdf(await renderLabelPdf(sampleLabel()))).getPage(0);
    expect(decodeCode128(barcodeModules(page, 80))).toBe("42062701\x1d9405511899223197428490");
    const ups = (await loadPdf(await renderLabelPdf(sampleLabel({ carrier: "ups", tracking_number: "1Z999AA10123456784" })))).getPage(0);
    expect(decodeCode128(barcodeModules(ups, 80))).toBe("1Z999AA10123456784");
  });
});

describe("fitted blocks, remembered across labels", () => {
  it("answer each block by all of its inputs: the same block again is the same, a narrower one wraps", async () => {
    const { fitBlock } = await import("../../src/labels/layout");
    const lines = [{ text: "A rather long street name that needs room 1234" }];
    const wide = fitBlock(lines, 12, 87, 7, 264, 37);
    expect(fitBlock(lines, 12, 87, 7, 264, 37)).toEqual(wide);
    const narrow = fitBlock(lines, 12, 87, 7, 60, 37);
    expect(narrow.length).toBeGreaterThan(wide.length);
    expect(fitBlock(lines, 12, 90, 7, 264, 37)[0].y).toBe(wide[0].y + 3);
    expect(fitBlock([{ text: "A rather long street name that needs room 1234", bold: true }], 12, 87, 7, 264, 37)[0].bold).toBe(true);
  });
});

describe("a merged file's frames", () => {
  it("a frame repeated by labels is one form; a file of many senders draws the rest inline, every page whole", async () => {
    const senders = Array.from({ length: 12 }, (_, i) => `${100 + i} Dock Rd`);
    const labels = Array.from({ length: 24 }, (_, i) => sampleLabel({
      tracking_number: `1Z999AA1012345${String(6784 + i).slice(-4)}`, carrier: "ups", service: "ups_ground", service_name: "UPS Ground",
      from: { ...from({ street1: senders[i % 12] }), company: null, street2: null, phone: null, email: null } as any,
    }));
    for (const layout of ["4x6", "letter"] as const) {
      const doc = await loadPdf((await mergeLabels(labels, "pdf", layout)).bytes);
      const forms = doc.getPage(0).node.Resources()!.lookup(PDFName.of("XObject"), PDFDict);
      expect(forms.keys()).toHaveLength(8);
      const text = doc.getPages().map((p) => pageText(p)).join("\n");
      for (const s of senders) expect(text.split(s).length - 1).toBe(2);
      expect(text.split("UPS GROUND").length - 1).toBe(24);
    }
  });
});

describe("a merged file lets requests in as it draws", () => {
  it("every ten labels, in both layouts, and not after each one", async () => {
    await warmLabelFonts(async () => {});
    const labels = Array.from({ length: 100 }, (_, i) => sampleLabel({ tracking_number: `94055118992231974${String(28490 + i)}` }));
    for (const layout of ["4x6", "letter"] as const) {
      let turns = 0;
      await mergeLabels(labels, "pdf", layout, async () => void turns++);
      expect(turns).toBe(10);
    }
  });
});
