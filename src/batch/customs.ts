// The customs rules of an international shipment, one by one, as validation applies them; and the
// export filing a declaration carries. Pure: the shipment's errors and warnings are the only output.
import { iso31661 } from "iso-3166";
import { scopeOf, type ServiceSpec } from "../carriers/services";
import { formatCents, parseAmount } from "../lib/money";
import type { StoredCustoms, StoredCustomsItem } from "../schemas/customs";
import type { ShipmentErrors } from "../schemas/shipment";

const COUNTRIES = new Set(iso31661.map((c) => c.alpha2));
const add = (errors: ShipmentErrors, path: string, message: string) => (errors[path] ??= []).push(message);

/**
 * The Foreign Trade Regulations' threshold (15 CFR 30.37(a)): no Electronic Export Information is
 * filed when the items under each Schedule B (HS) number are worth $2,500 or less. Shipments to
 * Canada are exempt under 30.36 (goods needing no export licence, the only goods sold here).
 */
export const EEI_THRESHOLD_CENTS = 250_000;
export const ITN = /^X\d{14}$/;
const AMOUNT = /^\d{1,7}(\.\d{1,2})?$/;
const hsDigits = (hs: string) => hs.replace(/[.\s]/g, "");

const itemCents = (i: StoredCustomsItem) => (i.value && AMOUNT.test(i.value) ? parseAmount(i.value) : 0);
export const declaredCents = (c: StoredCustoms) => c.items.reduce((sum, i) => sum + itemCents(i), 0);

/** The HS numbers whose items together are worth more than the threshold, with their totals. */
export function overThreshold(c: StoredCustoms): { hs: string; cents: number }[] {
  const byHs = new Map<string, number>();
  for (const i of c.items) {
    if (!i.hs_tariff_number) continue;
    const hs = hsDigits(i.hs_tariff_number);
    byHs.set(hs, (byHs.get(hs) ?? 0) + itemCents(i));
  }
  return [...byHs].filter(([, cents]) => cents > EEI_THRESHOLD_CENTS).map(([hs, cents]) => ({ hs, cents }));
}

/** What the declaration's EEL/PFC is: the one given, else `AES <itn>`, else the exemption that applies. */
export function exportFiling(c: StoredCustoms, country: string): string {
  if (c.eel_pfc) return c.eel_pfc;
  if (c.itn) return `AES ${c.itn}`;
  return country === "CA" ? "NOEEI 30.36" : "NOEEI 30.37(a)";
}

/**
 * What goes to the carrier and onto paper: an international shipment's declaration with its export
 * filing filled in; nothing for a domestic one (whatever it declared).
 */
export function declarationOf(s: { customs?: StoredCustoms | null; to_address: { country: string } }): StoredCustoms | null {
  if (!s.customs || scopeOf(s.to_address.country) === "domestic") return null;
  return { ...s.customs, eel_pfc: exportFiling(s.customs, s.to_address.country) };
}

/** The rules, each adding to `errors` under `customs.…` paths. */
export function checkCustoms(errors: ShipmentErrors, c: StoredCustoms | null, country: string, parcelOz: number | null, spec: ServiceSpec | undefined) {
  if (!c) {
    add(errors, "customs", "Customs are required for an international shipment (contents_type, signer and items)");
    return;
  }
  if (!c.contents_type) add(errors, "customs.contents_type", "Required for an international shipment");
  if (c.contents_type === "other" && !c.contents_explanation) add(errors, "customs.contents_explanation", "Required when contents_type is other");
  if (!c.signer) add(errors, "customs.signer", "Required: the person who certifies the declaration");
  if (!c.items.length) add(errors, "customs.items", "At least one item is required for an international shipment");
  const documents = c.contents_type === "documents";
  // An item field whose cell was already wrong in the CSV keeps that error alone.
  const seen = new Set(Object.keys(errors));
  const addNew = (path: string, message: string) => !seen.has(path) && add(errors, path, message);
  c.items.forEach((i, n) => {
    const at = (f: string) => `customs.items.${n}.${f}`;
    if (!i.description) addNew(at("description"), "Required");
    else if ([...i.description].length > 50) addNew(at("description"), `At most 50 characters (this has ${[...i.description].length})`);
    if (i.quantity === null) addNew(at("quantity"), "Required");
    else if (i.quantity < 1) addNew(at("quantity"), "Must be at least 1");
    if (i.value === null) addNew(at("value"), "Required");
    else if (!AMOUNT.test(i.value)) addNew(at("value"), "A decimal amount in USD, like \"25.00\"");
    else if (!documents && parseAmount(i.value) === 0) addNew(at("value"), "Must be more than 0 (only documents may be declared without value)");
    if (i.weight_oz === null) addNew(at("weight_oz"), "Required");
    else if (!(i.weight_oz > 0)) addNew(at("weight_oz"), "Must be greater than 0");
    if (i.hs_tariff_number === null) {
      if (!documents) addNew(at("hs_tariff_number"), "Required (6 to 10 digits), except for documents");
    } else if (!/^\d{6,10}$/.test(hsDigits(i.hs_tariff_number))) addNew(at("hs_tariff_number"), "An HS tariff number has 6 to 10 digits");
    if (i.origin_country === null) addNew(at("origin_country"), "Required");
    else if (!COUNTRIES.has(i.origin_country)) addNew(at("origin_country"), `Unknown country code ${i.origin_country}; use ISO 3166-1 alpha-2`);
  });
  const itemsOz = c.items.reduce((sum, i) => sum + (i.weight_oz ?? 0), 0);
  if (parcelOz !== null && parcelOz > 0 && itemsOz > parcelOz + 1e-9) {
    add(errors, "customs.items", `The items weigh ${round(itemsOz)} oz together, more than the parcel's ${round(parcelOz)} oz`);
  }
  const over = country === "CA" ? [] : overThreshold(c);
  if (c.itn !== null && !ITN.test(c.itn)) add(errors, "customs.itn", "An ITN is X followed by 14 digits, as AES issues it");
  if (over.length && !c.itn && !c.eel_pfc?.startsWith("AES ")) {
    add(errors, "customs.itn", `Required: the items under HS ${over.map((o) => o.hs).join(", ")} are worth ${over.map((o) => `$${formatCents(o.cents)}`).join(", ")}, over the $2,500 for which no EEI is filed (15 CFR 30.37(a)); file in AES and give its ITN`);
  }
  if (c.eel_pfc !== null) {
    if (!/^(NOEEI 30\.\d{2}(\([a-z0-9]+\))*|AES X\d{14})$/.test(c.eel_pfc)) {
      add(errors, "customs.eel_pfc", "An exemption like NOEEI 30.37(a), or AES followed by the ITN");
    } else if (over.length && c.eel_pfc.startsWith("NOEEI")) {
      add(errors, "customs.eel_pfc", `${c.eel_pfc} does not apply: items under one HS number are worth over $2,500`);
    } else if (c.itn && c.eel_pfc.startsWith("AES ") && c.eel_pfc !== `AES ${c.itn}`) {
      add(errors, "customs.eel_pfc", "Names another ITN than `itn`");
    }
  }
  if (spec?.max_value_cents && declaredCents(c) > spec.max_value_cents) {
    add(errors, "customs.items", `Declared at $${formatCents(declaredCents(c))}, over the $${formatCents(spec.max_value_cents)} limit of ${spec.name}`);
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
