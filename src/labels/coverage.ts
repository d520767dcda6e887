// Which characters a label can print, without loading its fonts: validation refuses the others,
// naming the field, so no label ever prints a silent "?" or an empty box.
import coverage from "./coverage.json";

// Code points both faces draw, as sorted [first, last] ranges (src/cli/font-coverage.mjs writes it
// from the fonts themselves; a test checks it still matches them).
const RANGES = coverage.ranges as [number, number][];

export function printableCodePoint(cp: number): boolean {
  let lo = 0, hi = RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < RANGES[mid][0]) hi = mid - 1;
    else if (cp > RANGES[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The characters of `text` the label fonts cannot draw (after NFC composition), each once. */
export function unprintable(text: string | null | undefined): string[] {
  const bad = new Set<string>();
  for (const ch of (text ?? "").normalize("NFC")) if (!printableCodePoint(ch.codePointAt(0)!)) bad.add(ch);
  return [...bad];
}

