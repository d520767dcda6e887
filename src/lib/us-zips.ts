// The US ZIP database (the registry's `zipcodes` package, compacted at build time into
// generated/us-zips.txt by src/cli/assets.mjs): which state a ZIP belongs to and its city's name.
import table from "../../generated/us-zips.txt";

export type ZipInfo = { state: string; city: string };
let byZip: Map<string, ZipInfo> | undefined;

/** The ZIP's state and city, or undefined for a ZIP that does not exist. Accepts ZIP+4. */
export function lookupZip(zip: string): ZipInfo | undefined {
  if (!byZip) {
    byZip = new Map();
    for (const line of table.split("\n")) byZip.set(line.slice(0, 5), { state: line.slice(5, 7), city: line.slice(7) });
  }
  return byZip.get(zip.slice(0, 5));
}

const fold = (s: string) => s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toUpperCase().replace(/[^A-Z0-9]+/g, " ").replace(/\bSAINT\b/g, "ST").replace(/\bFORT\b/g, "FT").replace(/\bMOUNT\b/g, "MT").trim();

/** Whether `city` names the ZIP's city (case, accents, punctuation and Saint/St., Fort/Ft., Mount/Mt. aside). */
export const sameCity = (city: string, info: ZipInfo) => fold(city) === fold(info.city);
