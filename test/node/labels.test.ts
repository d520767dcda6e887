import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import type { LabelData } from "../../src/labels/draw";
import { renderLabelPdf } from "../../src/labels/draw";
import { mergeLabels } from "../../src/labels/merge";
import { zplLabel } from "../../src/labels/zpl";
import { trackingNumber } from "../../src/carriers/sandbox/tracking";
import { findService } from "../../src/carriers/services";
import { decode, grayPixels, pdfPages, pdfText, wordBoxes, zplPages } from "./tools";

const NAMES = ["Łukasz Żółć", "Γιώργος Παπαδόπουλος", "Дмитрий Шостакович", "Nguyễn Thị Minh Khai", "Zoë Ørsted-Åberg", "Şükrü Çağlar"];
const SERVICES = ["usps_priority", "ups_ground", "fedex_2day"];

function label(service: string, name: string, over: Partial<LabelData> = {}): LabelData {
  const spec = findService(service)!;
  const tracking = trackingNumber(spec.carrier, spec.id, `shp_${service}_${name}`);
  return {
    tracking_number: tracking, carrier: spec.carrier, service: spec.id, service_name: spec.name,
    from: { name: "Warehouse Ωmega", company: null, street1: "500 Dock Rd", street2: null, city: "Reno", state: "NV", zip: "89501", country: "US", phone: null, email: null },
    to: { name, company: "Ŝtudio Ĉefo", street1: "1 Main St", street2: "Apt 2", city: "Springfield", state: "IL", zip: "62701", country: "US", phone: null, email: null },
    weight_oz: 16, zone: 5, ship_date: "2026-12-01", reference: "order-1001", ...over,
  };
}

/** What a scanner must read: IMpb for USPS, the tracking number for UPS and FedEx. */
const expected = (l: LabelData) => (l.carrier === "usps" ? `420${l.to.zip}\x1d${l.tracking_number}` : l.tracking_number);

describe("labels read by independent tools", () => {
  it("every PDF barcode (4x6 and letter) decodes with zbar at 203 dpi: IMpb for USPS, the tracking number for UPS and FedEx", async () => {
    const labels = SERVICES.map((s, i) => label(s, NAMES[i]));
    for (const layout of ["4x6", "letter"] as const) {
      const { bytes } = await mergeLabels(labels, "pdf", layout);
      const found = pdfPages(bytes).flatMap(decode);
      expect(found.sort(), layout).toEqual(labels.map(expected).sort());
    }
  });

  it("a USPS IMpb with ZIP+4 routes to 9 digits", async () => {
    const l = label("usps_ground_advantage", "Ada", { to: { ...label("usps_priority", "Ada").to, zip: "62701-1234" } });
    expect(pdfPages(await renderLabelPdf(l)).flatMap(decode)).toEqual([`420627011234\x1d${l.tracking_number}`]);
  });

  it("every ZPL barcode decodes once rendered as a 203 dpi printer would, USPS included", async () => {
    const labels = SERVICES.map((s, i) => label(s, NAMES[i]));
    const { bytes } = await mergeLabels(labels, "zpl", "4x6");
    const pages = await zplPages(new TextDecoder().decode(bytes));
    expect(pages).toHaveLength(3);
    expect(pages.flatMap(decode).sort()).toEqual(labels.map(expected).sort());
  });

  it("names print in their own letters (Latin Extended, Greek, Cyrillic, Vietnamese), and SANDBOX is on every label", async () => {
    const labels = NAMES.map((n, i) => label(SERVICES[i % 3], n));
    const { bytes } = await mergeLabels(labels, "pdf", "4x6");
    const text = pdfText(bytes).normalize("NFC");
    for (const n of NAMES) expect(text).toContain(n);
    expect(text).toContain("Warehouse Ωmega");
    expect(text.replace(/\s+/g, " ").match(/SANDBOX — NOT FOR MAILING/g)).toHaveLength(NAMES.length);
    expect(text).not.toContain("?");
    // In ZPL, text beyond the printer font's Latin-1 (this name, the notice's dash) is a bitmap of the same
    // font (thermal.test.ts reads such names back by OCR); the rest stays printer text.
    const zpl = zplLabel(labels[0]);
    expect(zpl).toContain("^CI28");
    const fields = [...zpl.matchAll(/\^FD(.*?)\^FS/g)].map((m) => m[1]).join(" ");
    expect(fields).not.toContain("Łukasz");
    expect(fields).toContain("Springfield");
    const { labelLayout } = await import("../../src/labels/layout");
    const beyond = labelLayout(labels[0]).filter((e) => e.kind === "text" && [...e.text].some((ch) => ch.codePointAt(0)! > 0xff));
    expect(beyond.map((e) => (e as { text: string }).text)).toEqual(expect.arrayContaining(["Łukasz Żółć", "SANDBOX — NOT FOR"]));
    expect(zpl.match(/\^GFA/g)).toHaveLength(beyond.length);
  });

  it("the subset fonts draw every glyph: a label prints exactly as with the whole fonts embedded", async () => {
    for (const [i, name] of NAMES.entries()) {
      const l = label(SERVICES[i % 3], name);
      const subset = grayPixels(await renderLabelPdf(l, true));
      const whole = grayPixels(await renderLabelPdf(l, false));
      expect(subset.equals(whole), name).toBe(true);
    }
  });

  it("the longest accepted values stay inside the label: no word past the page's edges", async () => {
    const wide = "W".repeat(100);
    const long = label("usps_priority", `${"Maximilian-Alexander ".repeat(5)}`.slice(0, 100), {
      to: { name: wide, company: wide, street1: wide, street2: wide, city: "W".repeat(100), state: "IL", zip: "62701-1234", country: "US", phone: null, email: null },
      from: { name: wide, company: wide, street1: wide, street2: wide, city: wide, state: "NV", zip: "89501", country: "US", phone: null, email: null },
      reference: "R".repeat(100),
    });
    for (const layout of ["4x6", "letter"] as const) {
      const { bytes } = await mergeLabels([long, long], "pdf", layout);
      const boxes = wordBoxes(bytes);
      expect(boxes.length).toBeGreaterThan(10);
      for (const b of boxes) {
        expect(b.x0, b.word).toBeGreaterThanOrEqual(0);
        expect(b.y0, b.word).toBeGreaterThanOrEqual(0);
        expect(b.x1, b.word).toBeLessThanOrEqual(b.page.w);
        expect(b.y1, b.word).toBeLessThanOrEqual(b.page.h);
      }
      // On 4x6 pages, inside the label's own border (6 pt).
      if (layout === "4x6") for (const b of boxes) expect(b.x1, b.word).toBeLessThanOrEqual(282.5);
    }
    expect(pdfPages(await renderLabelPdf(long)).flatMap(decode)).toEqual([expected({ ...long, to: { ...long.to, zip: "627011234" } })]);
  });

  it("a 100-label file stays small: fonts are subset, about a kilobyte a label plus the fonts", async () => {
    const labels = Array.from({ length: 100 }, (_, i) => label(SERVICES[i % 3], NAMES[i % NAMES.length]));
    const { bytes } = await mergeLabels(labels, "pdf", "4x6");
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(100);
    expect(bytes.length).toBeLessThan(100 * 1500 + 120_000);
  });
});

describe("SCAN forms read by poppler", () => {
  it("every line stays on the page, the summary and a long shipper included", async () => {
    const { renderScanForm } = await import("../../src/labels/scan-form");
    const rows = Array.from({ length: 95 }, (_, i) => ({
      position: i + 1, tracking_number: `9400${String(i).padStart(18, "0")}`, service: ["usps_priority", "usps_ground_advantage", "usps_priority_express"][i % 3],
      weight_oz: 1600 + i, cents: 123_456 + i,
    }));
    const pdf = await renderScanForm({
      id: "sf_01TEST", batch_id: "batch_01TEST", date: "2026-12-01", rows,
      shipper: { name: "Warehouse ".repeat(10).trim(), company: null, street1: "500 Dock Rd", street2: null, city: "Reno", state: "NV", zip: "89501", country: "US", phone: null, email: null },
    });
    const boxes = wordBoxes(pdf);
    expect(pdfText(pdf).replace(/\s+/g, " ")).toMatch(/Total postage: [\d.]+ USD/);
    for (const b of boxes) {
      expect(b.x1, b.word).toBeLessThanOrEqual(b.page.w);
      expect(b.y1, b.word).toBeLessThanOrEqual(b.page.h);
      expect(b.x0, b.word).toBeGreaterThanOrEqual(0);
    }
    expect(pdfText(pdf)).toContain(rows[94].tracking_number);
  });
});
