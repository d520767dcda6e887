import { iso31661, iso31662 } from "iso-3166";
import { postcodeValidator, postcodeValidatorExistsForCountry } from "postcode-validator";
import { checkCustoms, declaredCents } from "./customs";
import { rateShipment } from "../carriers";
import { CARRIER_IDS, destinationGroup, findService, scopeOf, type ServiceSpec } from "../carriers/services";
import type { ShipmentRecord, ValidationResult } from "../db/shipments";
import type { StoredAddress } from "../schemas/address";
import type { ShipmentErrors } from "../schemas/shipment";
import { addMs, DAY_MS } from "../lib/time";
import { insuranceFeeCents } from "../lib/money";
import { lookupZip, sameCity } from "../lib/us-zips";
import { unprintable } from "../labels/coverage";
import { pick, sandboxAlternatives, toStored } from "../carriers/shopping";

const COUNTRIES = new Set(iso31661.map((c) => c.alpha2));
// ISO 3166-2 gives the states, DC and the territories; USPS adds the military "states".
const US_STATES = new Set([...iso31662.filter((s) => s.parent === "US").map((s) => s.code.slice(3)), "AA", "AE", "AP"]);
const ZIP = /^\d{5}(-\d{4})?$/;
/**
 * Countries whose addresses carriers refuse without a state or province (UPS and FedEx international
 * shipping rules): checked against ISO 3166-2, by code (ON, NSW, SP) or by name (Ontario).
 */
const STATE_REQUIRED = new Set(["CA", "AU", "BR", "MX", "IN", "CN", "AR", "MY"]);
const subdivisions = new Map<string, Map<string, string>>();
function subdivisionsOf(country: string): Map<string, string> {
  let known = subdivisions.get(country);
  if (!known) {
    known = new Map();
    for (const s of iso31662) {
      if (s.parent !== country) continue;
      const code = s.code.slice(country.length + 1);
      known.set(code.toUpperCase(), code);
      known.set(s.name.normalize("NFD").replace(/\p{M}/gu, "").toUpperCase(), code);
    }
    subdivisions.set(country, known);
  }
  return known;
}
const countryName = (code: string) => iso31661.find((c) => c.alpha2 === code)?.name ?? code;
/** Services whose carriers need the recipient's phone abroad (UPS and FedEx customs clearance). */
export const needsPhoneAbroad = (spec: ServiceSpec | undefined) => !!spec && spec.scope === "international" && spec.carrier !== "usps";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const RATE_TTL_MS = DAY_MS;

type Errors = ShipmentErrors;
const add = (errors: Errors, path: string, message: string) => (errors[path] ??= []).push(message);

function checkAddress(errors: Errors, prefix: string, a: StoredAddress, input: Errors | null, warnings: Errors) {
  const required = (field: keyof StoredAddress, label: string) => {
    const path = `${prefix}.${field}`;
    if (!a[field] && !errors[path]) add(errors, path, input?.[path]?.[0] ?? `${label} is required`);
  };
  required("name", "Name");
  required("street1", "Street");
  required("city", "City");
  for (const f of ["name", "company", "street1", "street2"] as const) {
    if ((a[f]?.length ?? 0) > 100) add(errors, `${prefix}.${f}`, "At most 100 characters");
  }
  if (!COUNTRIES.has(a.country)) {
    add(errors, `${prefix}.country`, `Unknown country code ${a.country}; use ISO 3166-1 alpha-2`);
    return;
  }
  if (a.country !== "US") {
    if (prefix === "from_address") add(errors, `${prefix}.country`, "Shipments leave from the US: the origin must be a US address");
    else checkAbroad(errors, prefix, a);
    return;
  }
  if (!a.state) add(errors, `${prefix}.state`, "State is required");
  else if (!US_STATES.has(a.state.toUpperCase())) add(errors, `${prefix}.state`, `Unknown US state ${a.state}`);
  if (!a.zip) add(errors, `${prefix}.zip`, "ZIP code is required");
  else if (!ZIP.test(a.zip)) add(errors, `${prefix}.zip`, "Invalid ZIP code");
  else if (a.state && US_STATES.has(a.state.toUpperCase())) {
    // The same checks EasyPost's delivery verification makes live, against the US ZIP database.
    const info = lookupZip(a.zip);
    if (!info) add(errors, `${prefix}.zip`, `ZIP code ${a.zip.slice(0, 5)} does not exist`);
    else if (info.state !== a.state.toUpperCase()) add(errors, `${prefix}.zip`, `ZIP code ${a.zip.slice(0, 5)} is in ${info.state}, not ${a.state.toUpperCase()}`);
    else if (a.city && !sameCity(a.city, info)) {
      add(warnings, `${prefix}.city`, `${a.city} is not a name of ZIP code ${a.zip.slice(0, 5)}, which is ${info.city}, ${info.state}; the carrier delivers by ZIP code`);
    }
  }
  if (a.email && !EMAIL.test(a.email)) add(errors, `${prefix}.email`, "Invalid email address");
  if (a.phone && !/^\+?[\d\s().-]{7,20}$/.test(a.phone)) add(errors, `${prefix}.phone`, "Invalid phone number");
}

/**
 * An address abroad, by its country's rules: a postal code where the country uses one, in its format
 * (the registry's `postcode-validator`; a country it has no pattern for uses none), and a state or
 * province where carriers require one.
 */
function checkAbroad(errors: Errors, prefix: string, a: StoredAddress) {
  const name = countryName(a.country);
  if (destinationGroup(a.country) === null) add(errors, `${prefix}.country`, `No service ships to ${name}`);
  if (postcodeValidatorExistsForCountry(a.country)) {
    if (!a.zip) add(errors, `${prefix}.zip`, `Postal code is required in ${name}`);
    else if (!postcodeValidator(a.zip, a.country)) add(errors, `${prefix}.zip`, `Not a postal code of ${name}: ${a.zip}`);
  }
  if (STATE_REQUIRED.has(a.country)) {
    if (!a.state) add(errors, `${prefix}.state`, `State or province is required in ${name}`);
    else if (!subdivisionsOf(a.country).has(a.state.normalize("NFD").replace(/\p{M}/gu, "").toUpperCase())) {
      add(errors, `${prefix}.state`, `Unknown state or province of ${name}: ${a.state} (use its ISO 3166-2 code, e.g. ${[...subdivisionsOf(a.country).values()][0]})`);
    }
  }
  if (a.email && !EMAIL.test(a.email)) add(errors, `${prefix}.email`, "Invalid email address");
  if (a.phone && !/^\+?[\d\s().-]{7,20}$/.test(a.phone)) add(errors, `${prefix}.phone`, "Invalid phone number");
}

function checkService(errors: Errors, s: ShipmentRecord): ServiceSpec | undefined {
  if (s.carrier && !(CARRIER_IDS as readonly string[]).includes(s.carrier)) add(errors, "carrier", `Unknown carrier ${s.carrier}`);
  if (!s.service) {
    add(errors, "service", "Service is required (or set the batch's default_service)");
    return undefined;
  }
  const spec = findService(s.service);
  if (!spec) add(errors, "service", `Unknown service ${s.service}`);
  else if (s.carrier && s.carrier !== spec.carrier) add(errors, "service", `${spec.name} is not a ${s.carrier} service`);
  else if (COUNTRIES.has(s.to_address.country) && spec.scope !== scopeOf(s.to_address.country)) {
    add(errors, "service", spec.scope === "domestic"
      ? `${spec.name} is a domestic service and this address is in ${countryName(s.to_address.country)}: choose an international service (GET /v1/carriers lists each service's scope)`
      : `${spec.name} is an international service and this address is in the US: choose a domestic service`);
  }
  return spec;
}

function checkParcel(errors: Errors, s: ShipmentRecord, spec: ServiceSpec | undefined) {
  const p = s.parcel;
  for (const f of ["weight_oz", "length_in", "width_in", "height_in"] as const) {
    const path = `parcel.${f}`;
    const v = p[f];
    if (v === null) {
      if (!errors[path]) add(errors, path, "Required");
    } else if (!Number.isFinite(v) || v <= 0) add(errors, path, "Must be greater than 0");
  }
  if (!spec || errors["parcel.weight_oz"] || errors["parcel.length_in"] || errors["parcel.width_in"] || errors["parcel.height_in"]) return;
  if (p.weight_oz! > spec.max_weight_oz) {
    add(errors, "parcel.weight_oz", `Over the ${spec.max_weight_oz / 16} lb limit of ${spec.name}`);
  }
  const [length, a, b] = [p.length_in!, p.width_in!, p.height_in!].sort((x, y) => y - x);
  if (length > spec.max_length_in) add(errors, "parcel.length_in", `Longest side over the ${spec.max_length_in} in limit of ${spec.name}`);
  else if (length + 2 * (a + b) > spec.max_length_plus_girth_in) {
    add(errors, "parcel.length_in", `Length plus girth over the ${spec.max_length_plus_girth_in} in limit of ${spec.name}`);
  } else if (spec.max_sum_of_sides_in && length + a + b > spec.max_sum_of_sides_in) {
    add(errors, "parcel.length_in", `Length + width + height over the ${spec.max_sum_of_sides_in} in limit of ${spec.name}`);
  }
}

// UPS and FedEx take at most 35 characters an address line (name, company, street lines).
const CARRIER_LINE_LIMIT: Partial<Record<string, number>> = { ups: 35, fedex: 35 };
const PRINTED = ["name", "company", "street1", "street2", "city", "state", "zip"] as const;

/** What the label prints must be printable, and fit what the carrier accepts. */
function checkPrintable(errors: Errors, prefix: string, a: StoredAddress, spec: ServiceSpec | undefined) {
  const limit = spec && CARRIER_LINE_LIMIT[spec.carrier];
  for (const f of PRINTED) {
    const v = a[f];
    if (!v) continue;
    const bad = unprintable(v);
    if (bad.length) add(errors, `${prefix}.${f}`, `Contains characters the label cannot print: ${bad.join(" ")} (Latin, Greek, Cyrillic and Vietnamese letters print)`);
    if (limit && ["name", "company", "street1", "street2"].includes(f) && [...v].length > limit) {
      add(errors, `${prefix}.${f}`, `At most ${limit} characters for ${spec!.carrier.toUpperCase()} (this has ${[...v].length})`);
    }
  }
}

/** Checks one shipment and, when it is valid, rates it. Pure apart from the clock value it is given. */
export function validateShipment(s: ShipmentRecord, now: string): ValidationResult {
  // A CSV row with the wrong number of cells stays invalid until it is fixed or removed.
  // What a CSV row's cells got wrong (a wrong cell count, a value over its limit) stays until fixed.
  const errors: Errors = Object.fromEntries(Object.entries(s.input_errors ?? {}).map(([k, v]) => [k, [...v]]));
  const warnings: Errors = {};
  checkAddress(errors, "from_address", s.from_address, s.input_errors, warnings);
  checkAddress(errors, "to_address", s.to_address, s.input_errors, warnings);
  const parcelOk = ["weight_oz", "length_in", "width_in", "height_in"].every((f) => {
    const v = s.parcel[f as keyof typeof s.parcel];
    return typeof v === "number" && Number.isFinite(v) && v > 0;
  });
  const addressesOk = !Object.keys(errors).some((k) => k.endsWith(".zip") || k.endsWith(".country") || k === "row");
  // An unknown country is its own error; no customs or scope rules are piled on top of it.
  const abroad = scopeOf(s.to_address.country) === "international" && COUNTRIES.has(s.to_address.country);
  // Carriers rate by ZIP at home and by country abroad (where some countries have no postal code).
  const rateable = !!s.from_address.zip && (abroad || !!s.to_address.zip);
  const parcel = s.parcel as { weight_oz: number; length_in: number; width_in: number; height_in: number };
  // Every service the parcel could take, priced and dated: the shipment's alternatives, and what a
  // strategy chooses from.
  const alternatives = parcelOk && addressesOk && rateable
    ? sandboxAlternatives(s.from_address, s.to_address, parcel, now, s.service_strategy?.carriers ?? null, s.customs ? declaredCents(s.customs) : 0) : [];
  let record = s;
  if (s.service_strategy) {
    if (!parcelOk || !addressesOk) add(errors, "service", `A ${s.service_strategy.strategy} service is chosen once the addresses and parcel are valid`);
    else {
      // Without the recipient's phone, a strategy abroad picks among the services that do without it.
      const possible = abroad && !s.to_address.phone ? alternatives.filter((a) => !needsPhoneAbroad(findService(a.service))) : alternatives;
      const picked = pick(s.service_strategy, possible, parcel.weight_oz);
      if (!picked.ok) add(errors, "service", picked.message);
      else record = { ...s, service: picked.choice.service, carrier: findService(picked.choice.service)!.carrier };
    }
  }
  const spec = s.service_strategy && !record.service ? undefined : checkService(errors, record);
  checkParcel(errors, record, spec);
  checkPrintable(errors, "from_address", s.from_address, spec);
  checkPrintable(errors, "to_address", s.to_address, spec);
  if (abroad) {
    checkCustoms(errors, s.customs, s.to_address.country, parcelOk ? parcel.weight_oz : null, spec);
    if (needsPhoneAbroad(spec) && !s.to_address.phone) add(errors, "to_address.phone", `${spec!.name} needs the recipient's phone number for customs clearance`);
    // What the CN 22 and the customs documents print must be printable, like every name on a label.
    const printed: [string, string | null | undefined][] = [["customs.signer", s.customs?.signer], ["customs.contents_explanation", s.customs?.contents_explanation],
      ...(s.customs?.items ?? []).map((item, n): [string, string | null] => [`customs.items.${n}.description`, item.description])];
    for (const [path, value] of printed) {
      const bad = unprintable(value);
      if (bad.length) add(errors, path, `Contains characters the customs form cannot print: ${bad.join(" ")}`);
    }
  } else if (s.customs) {
    add(warnings, "customs", "Not needed for a domestic shipment: it is neither sent to the carrier nor printed");
  }
  const refBad = unprintable(s.reference);
  if (refBad.length) add(errors, "reference", `Contains characters the label cannot print: ${refBad.join(" ")}`);
  const base = {
    id: s.id, carrier: spec?.carrier ?? record.carrier, service: record.service, updated_at: now, rates: alternatives.map(toStored),
    warnings: Object.keys(warnings).length ? warnings : null, insurance_fee_cents: s.insurance_cents ? insuranceFeeCents(s.insurance_cents) : null,
  };
  if (Object.keys(errors).length || !spec) {
    return { ...base, status: "invalid", errors, rate_cents: null, rate_currency: null, rate_expires_at: null };
  }
  const quote = rateShipment({ service: spec, from: s.from_address, to: s.to_address, parcel });
  return {
    ...base, status: "valid", errors: null,
    rate_cents: quote.cents, rate_currency: quote.currency, rate_expires_at: addMs(now, RATE_TTL_MS),
  };
}
