// The US ZIP database (the registry's `zipcodes` package, compacted at build time into
// generated/us-zips.txt by src/cli/assets.mjs): which state a ZIP belongs to and its city's name.
// Searched in place (a binary search over the ZIP line), so an isolate keeps the text and one small
// index of where each city starts, not an object per ZIP.
import table from "../../generated/us-zips.txt";

export type ZipInfo = { state: string; city: string };

let parsed: { zips: string; states: string; cities: string; starts: Int32Array } | undefined;

function load() {
  if (parsed) return parsed;
  const first = table.indexOf("\n");
  const second = table.indexOf("\n", first + 1);
  const zips = table.slice(0, first);
  const states = table.slice(first + 1, second);
  const cities = table.slice(second + 1);
  const starts = new Int32Array(zips.length / 5 + 1);
  let at = 0;
  for (let i = 0; i < starts.length - 1; i++) {
    starts[i] = at;
    at = cities.indexOf("\n", at) + 1 || cities.length + 1;
  }
  starts[starts.length - 1] = cities.length + 1;
  parsed = { zips, states, cities, starts };
  return parsed;
}

/** The ZIP's state and city, or undefined for a ZIP that does not exist. Accepts ZIP+4. */
export function lookupZip(zip: string): ZipInfo | undefined {
  const t = load();
  const want = zip.slice(0, 5);
  let lo = 0;
  let hi = t.zips.length / 5 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const here = t.zips.slice(mid * 5, mid * 5 + 5);
    if (here === want) return { state: t.states.slice(mid * 2, mid * 2 + 2), city: t.cities.slice(t.starts[mid], t.starts[mid + 1] - 1) };
    if (here < want) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

const fold = (s: string) => s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toUpperCase().replace(/[^A-Z0-9]+/g, " ").replace(/\bSAINT\b/g, "ST").replace(/\bFORT\b/g, "FT").replace(/\bMOUNT\b/g, "MT").trim();

/** Whether `city` names the ZIP's city (case, accents, punctuation and Saint/St., Fort/Ft., Mount/Mt. aside). */
export const sameCity = (city: string, info: ZipInfo) => fold(city) === fold(info.city);
