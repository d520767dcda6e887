import bwipjs from "bwip-js/generic";

/**
 * Code 128 as alternating bar/space widths in modules, starting with a bar (bwip-js's `sbs`), quiet
 * zones excluded. Drawing from widths keeps labels vector-sharp in PDF and lets ZPL use ^BC natively.
 */
export function code128Modules(text: string): number[] {
  const [symbol] = bwipjs.raw("code128", text, {}) as Array<{ sbs: number[] }>;
  return symbol.sbs;
}
