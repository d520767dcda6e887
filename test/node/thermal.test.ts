// Thermal labels print every name: text a printer's resident font cannot draw is a bitmap from the
// same Noto font (^GF in ZPL, GW in EPL2), and only that text. Judged by tools we did not write:
// zpl-renderer-js renders the ZPL as a Zebra printer would, tesseract (with its Greek and Russian
// data) reads the names back, zbar reads the barcodes. EPL2 is parsed command by command.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { LabelData } from "../../src/labels/label";
import { zplLabel } from "../../src/labels/zpl";
import { epl2Label } from "../../src/labels/epl2";
import { labelBarcode } from "../../src/labels/barcode";
import { decode, zplPages } from "./tools";

const address = (name: string) => ({ name, company: null, street1: "1 Main St", street2: null, city: "Springfield", state: "IL", zip: "62701", country: "US", phone: null, email: null });
const label = (name: string, over: Partial<LabelData> = {}): LabelData => ({
  tracking_number: "9405511899223100000012", carrier: "usps", service: "usps_priority", service_name: "USPS Priority Mail",
  from: { ...address("Acme Warehouse"), street1: "500 Dock Rd", city: "Reno", state: "NV", zip: "89501" }, to: address(name),
  weight_oz: 40, zone: 5, ship_date: "2026-12-05", reference: "order-77", ...over,
});
const ocr = (png: string) => execFileSync("tesseract", [png, "-", "-l", "eng+ell+rus", "--dpi", "203"], { encoding: "utf8" });

describe("ZPL prints every name", () => {
  it("Greek and Cyrillic names, drawn as ^GF bitmaps, are read back by OCR from zpl-renderer-js's rendering; the barcode still scans", async () => {
    for (const name of ["Γιώργος Παπαδόπουλος", "Дмитрий Иванов"]) {
      const l = label(name);
      const zpl = zplLabel(l);
      expect(zpl).not.toContain(`^FD${name}`);
      const [png] = await zplPages(zpl);
      expect(ocr(png)).toContain(name);
      expect(decode(png)).toEqual([labelBarcode(l).decoded]);
    }
  }, 60_000);

  it("Vietnamese marks beyond Latin-1 are a bitmap too; the name reads back (OCR without Vietnamese data keeps its letters)", async () => {
    const zpl = zplLabel(label("Nguyễn Thị Minh Khai"));
    const [png] = await zplPages(zpl);
    expect(ocr(png).normalize("NFD").replace(/\p{M}/gu, "")).toContain("Nguyen Thi Minh Khai");
  }, 60_000);

  it("only text the printer cannot draw is a bitmap: a Latin name stays printer text, and the label stays small", () => {
    const latin = zplLabel(label("Zoë Ørsted"));
    expect(latin).toContain("^FDZoë Ørsted^FS");
    // The one bitmap is the sandbox notice, whose dash is beyond Latin-1.
    expect(latin.match(/\^GFA/g)).toHaveLength(1);
    const greek = zplLabel(label("Γιώργος Παπαδόπουλος"));
    expect(greek.match(/\^GFA/g)).toHaveLength(2);
    expect(latin.length).toBeLessThan(greek.length);
  });
});

/** EPL2, command by command: each a known command, its numbers in range, GW's bytes counted. */
function parseEpl2(bytes: Uint8Array) {
  const commands: { name: string; args: string[]; data?: Uint8Array }[] = [];
  let at = 0;
  const text = (from: number, to: number) => new TextDecoder().decode(bytes.subarray(from, to));
  while (at < bytes.length) {
    let end = bytes.indexOf(0x0a, at);
    if (end < 0) end = bytes.length;
    const line = text(at, end);
    if (line.startsWith("GW")) {
      const head = /^GW(\d+),(\d+),(\d+),(\d+),/.exec(text(at, at + 40))!;
      const start = at + head[0].length;
      const size = Number(head[3]) * Number(head[4]);
      commands.push({ name: "GW", args: head.slice(1, 5), data: bytes.subarray(start, start + size) });
      at = start + size + 1;
      continue;
    }
    if (line.trim()) {
      const m = /^(N|q|Q|D|ZT|A|B|LO|X|P)(.*)$/.exec(line);
      if (!m) throw new Error(`unknown EPL2 command: ${line}`);
      // Quoted data may hold commas: split the arguments outside quotes.
      commands.push({ name: m[1], args: m[2].match(/"(?:[^"\\]|\\.)*"|[^,]+/g) ?? [] });
    }
    at = end + 1;
  }
  return commands;
}

describe("EPL2", () => {
  it("parses command by command: one form a label, inside 812 x 1218 dots, resident fonts 1–5, each barcode's data its tracking number (USPS as IMpb)", () => {
    const cases: LabelData[] = [
      label("Ada Lovelace"),
      label("Jürgen Weiß", { carrier: "ups", service: "ups_ground", service_name: "UPS Ground", tracking_number: "1Z999AA10123456784" }),
      label("Дмитрий Иванов", { carrier: "fedex", service: "fedex_ground", service_name: "FedEx Ground", tracking_number: "123456789012" }),
    ];
    for (const l of cases) {
      const commands = parseEpl2(epl2Label(l));
      expect(commands[0].name).toBe("N");
      expect(commands.at(-1)).toEqual({ name: "P", args: ["1"] });
      for (const c of commands.filter((x) => ["A", "B", "LO", "GW"].includes(x.name))) {
        const [x, y] = c.args.map(Number);
        expect(x, `${c.name} ${c.args}`).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(812);
        expect(y).toBeLessThan(1218);
      }
      for (const a of commands.filter((x) => x.name === "A")) expect(["1", "2", "3", "4", "5"]).toContain(a.args[3]);
      for (const g of commands.filter((x) => x.name === "GW")) expect(g.data!.length).toBe(Number(g.args[2]) * Number(g.args[3]));
      const bars = commands.filter((x) => x.name === "B");
      expect(bars).toHaveLength(1);
      const data = bars[0].args[8].slice(1, -1).replace(/\\(.)/g, "$1");
      if (l.carrier === "usps") expect([bars[0].args[3], data]).toEqual(["1E", `42062701\x1d${l.tracking_number}`]);
      else expect([bars[0].args[3], data]).toEqual(["1", l.tracking_number]);
    }
  });

  it("a Latin name is resident-font text; a Cyrillic one a GW bitmap whose black dots are 0 bits", () => {
    const latin = parseEpl2(epl2Label(label("Ada Lovelace")));
    expect(latin.some((c) => c.name === "A" && c.args[7] === '"Ada Lovelace"')).toBe(true);
    const cyrillic = parseEpl2(epl2Label(label("Дмитрий Иванов")));
    expect(cyrillic.some((c) => c.name === "A" && c.args[7]?.includes("Дмитрий"))).toBe(false);
    // Only the name differs: one bitmap more than the Latin label.
    const bitmaps = cyrillic.filter((c) => c.name === "GW");
    expect(bitmaps.length).toBe(latin.filter((c) => c.name === "GW").length + 1);
    // Mostly white paper: most bits are 1 (no dot), some are 0 (a dot).
    const name = bitmaps.find((g) => Number(g.args[3]) > 30)!.data!;
    const zeros = [...name].reduce((a, b) => a + (8 - b.toString(2).split("1").length + 1), 0);
    expect(zeros).toBeGreaterThan(100);
    expect(zeros).toBeLessThan(name.length * 8 * 0.5);
  });
});
