import { CODE128 } from "jsbarcode/bin/barcodes/CODE128/index.js";
import type { LabelData } from "./label";

const FNC1 = "\xCF"; // JsBarcode's FNC1 character

/**
 * Code 128 as alternating bar/space widths in modules, starting with a bar, quiet zones excluded.
 * Drawing from widths keeps labels vector-sharp in PDF and lets ZPL use ^BC natively. JsBarcode's
 * encoder picks the shortest code-set mix (C for digit runs) and takes ~15 µs a label; bwip-js, which
 * runs the whole BWIPP PostScript program, took ~200 µs and was the largest cost in a merged file.
 * `gs1` starts the symbol with FNC1 (GS1-128).
 */
export function code128Modules(text: string, gs1 = false): number[] {
  const { data } = new CODE128(text, { ean128: gs1 }).encode(); // "1101…": one character per module, 1 = bar
  const widths: number[] = [];
  let run = 1;
  for (let i = 1; i <= data.length; i++) {
    if (i < data.length && data[i] === data[i - 1]) run++;
    else {
      widths.push(run);
      run = 1;
    }
  }
  return widths;
}

/** The ZIP a USPS barcode routes to: ZIP+4 when given (9 digits), else the 5-digit ZIP. */
export const routingZip = (zip: string | null | undefined) => {
  const digits = (zip ?? "").replace(/\D/g, "");
  return digits.length >= 9 ? digits.slice(0, 9) : digits.slice(0, 5);
};

export type LabelBarcode = {
  /** For JsBarcode (FNC1 as \xCF) and our module widths. */
  text: string; gs1: boolean;
  /** The same symbol for ZPL: ^BC mode (N with >; subset C and >8 FNC1 written out, or A to let the printer pick subsets) and field data. */
  zpl: string; zplMode: "N" | "A";
  /** What a scanner reports (GS, \x1d, for an FNC1 separator). */
  decoded: string;
};

/**
 * USPS labels carry the Intelligent Mail package barcode: GS1-128 with FNC1, application identifier
 * 420 and the destination ZIP, FNC1, then the tracking number. UPS and FedEx carry the tracking number,
 * and so does USPS international mail: its UPU S10 number (LZ…US) in Code 128, as postal operators scan it.
 */
export function labelBarcode(l: Pick<LabelData, "carrier" | "tracking_number" | "to">): LabelBarcode {
  const t = l.tracking_number;
  if (l.carrier === "usps" && !/^[A-Z]{2}\d{9}US$/.test(t)) {
    const zip = routingZip(l.to.zip);
    return { text: `420${zip}${FNC1}${t}`, gs1: true, zpl: `>;>8420${zip}>8${t}`, zplMode: "N", decoded: `420${zip}\x1d${t}` };
  }
  // Automatic mode: the printer mixes subsets B and C as JsBarcode does, so the symbol is as narrow.
  return { text: t, gs1: false, zpl: t, zplMode: "A", decoded: t };
}
