// One description of a 4x6 label, walked by both renderers (draw.ts for PDF, zpl.ts for ZPL), so the
// two formats show the same fields in the same places. Coordinates are points from the label's top
// left; a text's `y` is its baseline. Every value is fitted here: it shrinks (to half its size) and
// wraps within its block, and a block that still overflows drops its last lines, so nothing is drawn
// past the label's edge whatever a value holds.
import { formatTracking, type LabelData } from "./label";
import { code128Modules, labelBarcode, type LabelBarcode } from "./barcode";
import { labelText, textWidth } from "./fonts";
import addressFormatter from "@fragaria/address-formatter";
import { formatCents, parseAmount } from "../lib/money";

export const W = 288;
export const H = 432;
/** A dot of a 203 dpi thermal printer, in points: bars are whole dots wide so printers reproduce them. */
export const DOT = 72 / 203;

export type TextEl = { kind: "text"; x: number; y: number; size: number; bold: boolean; text: string; inverse?: boolean; center?: boolean };
export type RuleEl = { kind: "rule"; y: number };
export type BoxEl = { kind: "box"; x: number; y: number; w: number; h: number; fill: boolean; thickness?: number };
export type BarcodeEl = { kind: "barcode"; x: number; y: number; height: number; moduleDots: number; modules: number[]; code: LabelBarcode };
export type LabelElement = TextEl | RuleEl | BoxEl | BarcodeEl;

type Line = { text: string; bold?: boolean };

/** Splits a value into lines no wider than `max` at `size`: at spaces, and inside a word too long for a line. */
function wrap(text: string, size: number, bold: boolean, max: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (textWidth(candidate, size, bold) <= max) {
      current = candidate;
      continue;
    }
    if (current) lines.push(current);
    current = "";
    let rest = word;
    while (textWidth(rest, size, bold) > max) {
      let n = rest.length - 1;
      while (n > 1 && textWidth(rest.slice(0, n), size, bold) > max) n--;
      lines.push(rest.slice(0, n));
      rest = rest.slice(n);
    }
    current = rest;
  }
  if (current) lines.push(current);
  return lines;
}

/**
 * Lays out a block of lines from (x, y) downwards within `maxWidth` and `maxHeight`: the largest size
 * from `size` down to half of it at which every line fits (wrapped if it must), else the smallest,
 * keeping only the lines that fit in the height.
 */
export function fitBlock(lines: Line[], x: number, y: number, size: number, maxWidth: number, maxHeight: number, leading = 1.15): TextEl[] {
  // Most of a batch's blocks repeat label after label (its sender, carrier, date, service): fitted once.
  let key = `${x} ${y} ${size} ${maxWidth} ${maxHeight} ${leading}`;
  for (const l of lines) key += `\u0000${l.bold ? 1 : 0}${l.text}`;
  const known = fitted.get(key);
  if (known) return known;
  if (fitted.size >= FITTED_MAX) fitted.clear();
  const els = fitBlockNow(lines, x, y, size, maxWidth, maxHeight, leading);
  fitted.set(key, els);
  return els;
}

const FITTED_MAX = 2000;
const fitted = new Map<string, TextEl[]>();

function fitBlockNow(lines: Line[], x: number, y: number, size: number, maxWidth: number, maxHeight: number, leading: number): TextEl[] {
  const clean = lines.map((l) => ({ ...l, text: labelText(l.text).trim() })).filter((l) => l.text);
  let chosen: { size: number; rows: { text: string; bold: boolean }[] } | null = null;
  for (let s = size; s >= size / 2 - 1e-9; s -= 0.25) {
    const rows = clean.flatMap((l) => wrap(l.text, s, !!l.bold, maxWidth).map((text) => ({ text, bold: !!l.bold })));
    chosen = { size: s, rows };
    if (rows.length * s * leading <= maxHeight + s * (leading - 1)) break;
  }
  if (!chosen) return [];
  const step = chosen.size * leading;
  const fit = Math.max(1, Math.floor((maxHeight + chosen.size * (leading - 1)) / step));
  return chosen.rows.slice(0, fit).map((r, i) => ({ kind: "text", x, y: y + chosen!.size + i * step, size: chosen!.size, bold: r.bold, text: r.text }));
}

const one = (text: string, x: number, y: number, size: number, maxWidth: number, bold = false): TextEl[] =>
  fitBlock([{ text, bold }], x, y - size, size, maxWidth, size * 1.15);

/**
 * An address as its country writes it: at home "CITY, ST ZIP"; abroad the order of the registry's
 * `@fragaria/address-formatter` (postcode before or after the city, the state where it goes), with
 * the country's English name in capitals on the last line, as the UPU and carriers ask.
 */
export function addressLines(a: LabelData["to"]): string[] {
  const head = [a.name, a.company, a.street1, a.street2];
  if (a.country === "US") return [...head, `${a.city ?? ""}, ${a.state ?? ""} ${a.zip ?? ""}`].filter((l): l is string => !!l && l.trim() !== ",");
  const place = addressFormatter.format({ city: a.city ?? undefined, state: a.state ?? undefined, postcode: a.zip ?? undefined, countryCode: a.country },
    { output: "array", appendCountry: true }) as string[];
  const lines = place.map((l) => l.trim()).filter(Boolean);
  if (lines.length) lines[lines.length - 1] = lines[lines.length - 1].toUpperCase();
  return [...head, ...lines].filter((l): l is string => !!l && l.trim() !== "");
}

/** USPS services whose label carries the integrated customs declaration (PS Form 2976, CN 22 data). */
export const CN22_SERVICES = new Set(["usps_first_class_international", "usps_priority_international"]);
const CONTENTS_WORDS: Record<string, string> = {
  merchandise: "MERCHANDISE", gift: "GIFT", documents: "DOCUMENTS", returned_goods: "RETURNED GOODS", sample: "COMMERCIAL SAMPLE", other: "OTHER",
};
const cents = (v: string | null) => (v && /^\d+(\.\d{1,2})?$/.test(v) ? parseAmount(v) : 0);

/** The CN 22 block: contents, up to three item lines, totals, export filing, signature line. */
function cn22(c: NonNullable<LabelData["customs"]>, top: number, reference: string | null): LabelElement[] {
  const els: LabelElement[] = [...one(`CUSTOMS DECLARATION CN 22 — ${CONTENTS_WORDS[c.contents_type ?? "other"]}${c.contents_type === "other" && c.contents_explanation ? `: ${c.contents_explanation}` : ""}`, 12, top + 9, 7, W - 24, true)];
  const shown = c.items.slice(0, 3);
  const lines = shown.map((i) => `${i.quantity ?? 0} x ${i.description ?? ""} · ${i.weight_oz ?? 0} oz · $${formatCents(cents(i.value))} · HS ${i.hs_tariff_number ?? "—"} · ${i.origin_country ?? ""}`);
  if (c.items.length > shown.length) lines.push(`+ ${c.items.length - shown.length} more item(s): see the CN 23`);
  const oz = c.items.reduce((s, i) => s + (i.weight_oz ?? 0), 0);
  const value = c.items.reduce((s, i) => s + cents(i.value), 0);
  lines.push(`TOTAL ${Math.round(oz * 100) / 100} oz · $${formatCents(value)} USD · ${c.incoterm ?? "DDU"} · ${c.eel_pfc ?? ""}`);
  lines.push(`Non-delivery: ${c.non_delivery_option === "abandon" ? "ABANDON" : "RETURN TO SENDER"}${reference ? ` · Ref: ${reference}` : ""}`);
  lines.push(`I certify the particulars given are correct. Signed: ${c.signer ?? ""}`);
  els.push(...fitBlock(lines.map((text) => ({ text })), 12, top + 11, 7, W - 24, H - 8 - (top + 11), 1.1));
  return els;
}

/** Bars as wide as a whole number of printer dots, the widest that fits with 10-module quiet zones. */
function barcode(code: LabelBarcode, modules: number[], y: number, height: number): BarcodeEl {
  const total = modules.reduce((a, b) => a + b, 0);
  const room = W - 24;
  const moduleDots = Math.max(1, Math.min(4, Math.floor(room / ((total + 20) * DOT))));
  const width = total * moduleDots * DOT;
  const x = Math.round((W - width) / 2 / DOT) * DOT;
  return { kind: "barcode", x, y, height, moduleDots, modules, code };
}

/**
 * A label's frame: what every label of a batch usually repeats (outline, rules, carrier, date,
 * sender, service, headings), drawn from `key`'s inputs alone. A PDF file draws each distinct frame
 * once, as a form (draw.ts).
 */
export function labelFrame(l: LabelData): { key: string; elements: () => LabelElement[] } {
  const abroad = l.to.country !== "US";
  const withCn22 = carriesCn22(l);
  const from = addressLines(l.from);
  const heading = l.carrier === "usps" && !abroad ? "USPS TRACKING # (IMpb)" : l.carrier === "usps" ? "USPS TRACKING #" : "TRACKING #";
  const key = [l.carrier, l.ship_date, l.service_name, heading, withCn22 ? 1 : 0, ...from].join("\u0000");
  return {
    key,
    elements: () => [
      { kind: "box", x: 6, y: 6, w: W - 12, h: H - 12, fill: false, thickness: 1.2 },
      ...(withCn22 ? [72, 126, 220, 246, humanYOf(withCn22) + 6] : [72, 126, 220, 246, 388]).map((y): RuleEl => ({ kind: "rule", y })),
      // Carrier initial in white on black, like a mail class indicator.
      { kind: "box", x: 12, y: 12, w: 54, h: 54, fill: true },
      { kind: "text", x: 24, y: 56, size: 40, bold: true, text: l.carrier.toUpperCase().slice(0, 1), inverse: true },
      ...one(l.carrier.toUpperCase(), 76, 30, 14, 90, true),
      ...one(l.ship_date, 76, 46, 8, 90),
      // A sandbox label must never pass for postage.
      ...fitBlock([{ text: "SANDBOX — NOT FOR MAILING", bold: true }], 172, 14, 9, 104, 24),
      ...one("FROM:", 12, 84, 7, 60, true),
      ...fitBlock(from.map((text) => ({ text })), 12, 87, 7, W - 24, 37, 1.1),
      ...one("SHIP TO:", 12, 138, 8, 80, true),
      ...one(l.service_name.toUpperCase(), 12, 238, 12, 180, true),
      ...one(heading, 12, 258, 7, 150, true),
    ],
  };
}

/** A label abroad by a USPS service whose label carries the customs declaration, with one to carry. */
const carriesCn22 = (l: LabelData) => l.to.country !== "US" && !!l.customs && CN22_SERVICES.has(l.service);

// Labels that carry the CN 22 block make room for it with a shorter barcode (still 48 pt, well over
// what scanners need at 203 dpi).
const barHeightOf = (withCn22: boolean) => (withCn22 ? 48 : 90);
const humanYOf = (withCn22: boolean) => 262 + barHeightOf(withCn22) + 16;

/** What is the label's own, beside its frame: weight and zone, recipient, barcode, tracking number, customs or reference. */
export function labelOwn(l: LabelData): LabelElement[] {
  const code = labelBarcode(l);
  const abroad = l.to.country !== "US";
  const withCn22 = carriesCn22(l);
  const humanY = humanYOf(withCn22);
  const els: LabelElement[] = [
    ...one(`${(l.weight_oz / 16).toFixed(2)} LB  ${abroad ? "INTERNATIONAL" : `ZONE ${l.zone}`}`, 76, 58, 8, 90),
    ...fitBlock(addressLines(l.to).map((text, i) => ({ text, bold: i === 0 })), 24, 141, 12, W - 36, 77, 1.12),
    ...one(abroad ? `TO ${l.to.country}${l.to.zip ? ` ${l.to.zip}` : ""}` : `ZIP ${l.to.zip ?? ""}`, 198, 238, 10, 80, true),
    barcode(code, code128Modules(code.text, code.gs1), 262, barHeightOf(withCn22)),
  ];
  const human = formatTracking(l.tracking_number);
  const size = Math.min(11, 11 * ((W - 24) / Math.max(1, textWidth(human, 11, true))));
  els.push({ kind: "text", x: (W - textWidth(human, size, true)) / 2, y: humanY, size, bold: true, text: human, center: true });
  if (withCn22) els.push(...cn22(l.customs!, humanY + 6, l.reference));
  else if (l.reference) els.push(...one(`Ref: ${l.reference}`, 12, 404, 8, W - 24));
  return els;
}

/** Every element of a label: its frame, then its own. */
export function labelLayout(l: LabelData): LabelElement[] {
  return [...labelFrame(l).elements(), ...labelOwn(l)];
}
