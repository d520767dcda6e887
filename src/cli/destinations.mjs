// Real US destinations for the bench and the chaos run: the i-th ZIP of the generated ZIP table
// (generated/us-zips.txt, written by assets.mjs from the registry's `zipcodes`), with its state and
// city, so every generated shipment passes the same ZIP checks a merchant's would.
import { readFileSync } from "node:fs";

const [zipLine, stateLine, ...cities] = readFileSync(new URL("../../generated/us-zips.txt", import.meta.url), "utf8").split("\n");
const zips = cities.map((city, i) => ({ zip: zipLine.slice(i * 5, i * 5 + 5), state: stateLine.slice(i * 2, i * 2 + 2), city }))
  // The 50 states and DC: territories and military ZIPs are valid, but the carriers' UPS/FedEx rules differ there.
  .filter((z) => !["AA", "AE", "AP", "AS", "FM", "GU", "MH", "MP", "PR", "PW", "VI"].includes(z.state));

/** A deliverable destination, spread over the country, fixed for `i`. */
export function destination(i) {
  const z = zips[(i * 7919) % zips.length];
  return { city: z.city, state: z.state, zip: z.zip };
}
