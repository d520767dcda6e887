import { describe, expect, it } from "vitest";
import { toRecord, applyPatch, type Defaults } from "../../src/batch/intake";
import { validateShipment } from "../../src/batch/validate";
import { exportFiling } from "../../src/batch/customs";
import { findService, SERVICES } from "../../src/carriers/services";
import { sandboxRate } from "../../src/carriers/sandbox/rates";
import { ABROAD, from } from "../helpers";

const now = "2026-04-01T10:00:00.000Z";
const owner = { batch_id: "batch_x", account_id: "acct_x" };
const parcel = { weight_oz: 32, length_in: 10, width_in: 8, height_in: 4 };
const item = (over: Record<string, unknown> = {}) => ({ description: "Cotton T-shirt", quantity: 2, value: "30.00", weight_oz: 12, hs_tariff_number: "6109.10", origin_country: "US", ...over });
const customs = (over: Record<string, unknown> = {}) => ({ contents_type: "merchandise", signer: "Grace Hopper", items: [item()], ...over });
const noDefaults: Defaults = { default_carrier: null, default_service: "usps_priority_international" };


const record = (input: Record<string, unknown>, defaults: Defaults = noDefaults) =>
  toRecord({ from_address: from(), to_address: ABROAD.GB, parcel, customs: customs(), ...input } as any, 1, owner, defaults, now);
const check = (input: Record<string, unknown>, defaults?: Defaults) => validateShipment(record(input, defaults), now);

describe("addresses abroad, by their country's rules", () => {
  it("real addresses of Canada, the UK, Germany, Japan, Australia, Brazil and Hong Kong (no postal codes) are valid", () => {
    for (const [country, to] of Object.entries(ABROAD)) {
      const r = check({ to_address: to });
      expect(r.errors, country).toBeNull();
      expect(r.status, country).toBe("valid");
    }
  });

  it("a postal code in another country's format is the zip field's error; a country without postal codes needs none", () => {
    expect(check({ to_address: { ...ABROAD.CA, zip: "12345" } }).errors).toEqual({ "to_address.zip": ["Not a postal code of Canada: 12345"] });
    expect(check({ to_address: { ...ABROAD.GB, zip: "10117" } }).errors?.["to_address.zip"]).toBeDefined();
    expect(check({ to_address: { ...ABROAD.BR, zip: "01310200X" } }).errors?.["to_address.zip"]).toBeDefined();
    expect(check({ to_address: { ...ABROAD.JP, zip: null } }).errors).toEqual({ "to_address.zip": ["Postal code is required in Japan"] });
    expect(check({ to_address: { ...ABROAD.HK, zip: null } }).status).toBe("valid");
  });

  it("a state or province where carriers require one, checked against ISO 3166-2 by code or name", () => {
    expect(check({ to_address: { ...ABROAD.CA, state: null } }).errors).toEqual({ "to_address.state": ["State or province is required in Canada"] });
    expect(check({ to_address: { ...ABROAD.CA, state: "ZZ" } }).errors?.["to_address.state"]?.[0]).toMatch(/^Unknown state or province of Canada: ZZ/);
    expect(check({ to_address: { ...ABROAD.CA, state: "Ontario" } }).status).toBe("valid");
    expect(check({ to_address: { ...ABROAD.AU, state: "XYZ" } }).errors?.["to_address.state"]).toBeDefined();
    // The UK and Germany write no state: none is asked.
    expect(check({ to_address: { ...ABROAD.DE, state: null } }).status).toBe("valid");
  });

  it("UPS and FedEx need the recipient's phone abroad; USPS does not, and a strategy without a phone picks USPS", () => {
    const noPhone = { ...ABROAD.DE, phone: null };
    for (const service of ["ups_worldwide_saver", "fedex_international_economy"]) {
      expect(check({ service, to_address: noPhone }).errors).toEqual({ "to_address.phone": [`${findService(service)!.name} needs the recipient's phone number for customs clearance`] });
    }
    expect(check({ service: "usps_priority_international", to_address: noPhone }).status).toBe("valid");
    expect(check({ service: "fastest", to_address: noPhone }).service).toMatch(/^usps_/);
    expect(check({ service: "fastest", to_address: ABROAD.DE }).service).not.toMatch(/^usps_/);
  });

  it("origins stay in the US", () => {
    expect(check({ from_address: { ...ABROAD.CA } }).errors?.["from_address.country"]).toEqual(["Shipments leave from the US: the origin must be a US address"]);
  });
});

describe("services abroad", () => {
  it("a domestic service for an address abroad, or the reverse, is the service's error", () => {
    expect(check({ service: "usps_priority" }).errors?.service?.[0]).toMatch(/^USPS Priority Mail is a domestic service and this address is in United Kingdom/);
    const home = toRecord({ from_address: from(), to_address: { name: "A", street1: "1 Main St", city: "Springfield", state: "IL", zip: "62701" }, parcel, service: "ups_worldwide_saver" } as any, 1, owner, noDefaults, now);
    expect(validateShipment(home, now).errors?.service).toEqual(["UPS Worldwide Saver is an international service and this address is in the US: choose a domestic service"]);
  });

  it("cheapest and fastest choose among the services that reach the destination, and the rates list only those", () => {
    const cheap = check({ service: "cheapest" });
    expect(findService(cheap.service)!.scope).toBe("international");
    expect(cheap.rates!.every(([s]) => findService(s)!.scope === "international")).toBe(true);
    expect(cheap.rates!.map(([s]) => s).sort()).toEqual(SERVICES.filter((s) => s.scope === "international").map((s) => s.id).sort());
    expect(cheap.rate_cents).toBe(Math.min(...cheap.rates!.map(([, c]) => c)));
    const fast = check({ service: "fastest" });
    expect(fast.rates!.find(([s]) => s === fast.service)![2]).toBe(Math.min(...fast.rates!.map(([, , d]) => d)));
  });

  it("prices by destination group: farther groups cost more and take longer; a country no service reaches is an error", () => {
    const spec = findService("usps_priority_international")!;
    const price = (country: string) => sandboxRate({ service: spec, from: from() as any, to: { ...ABROAD.GB, country } as any, parcel }).cents;
    expect(price("CA")).toBeLessThan(price("MX"));
    expect(price("MX")).toBeLessThan(price("GB"));
    expect(price("GB")).toBeLessThan(price("BR"));
    const days = (to: object) => check({ service: "usps_priority_international", to_address: to }).rates!.find(([s]) => s === spec.id)![2];
    expect(days(ABROAD.CA)).toBeLessThan(days(ABROAD.AU));
    expect(check({ to_address: { ...ABROAD.HK, country: "AQ" } }).errors?.["to_address.country"]).toEqual(["No service ships to Antarctica"]);
  });

  it("each service's own limits: First-Class Package International takes 4 lb, 36 in of sides and $400", () => {
    const service = "usps_first_class_international";
    expect(check({ service, parcel: { ...parcel, weight_oz: 65 } }).errors?.["parcel.weight_oz"]).toEqual(["Over the 4 lb limit of USPS First-Class Package International"]);
    expect(check({ service, parcel: { ...parcel, length_in: 20, width_in: 12, height_in: 6 } }).errors?.["parcel.length_in"]).toEqual(["Length + width + height over the 36 in limit of USPS First-Class Package International"]);
    expect(check({ service, customs: customs({ items: [item({ value: "400.01" })] }) }).errors?.["customs.items"]).toEqual(["Declared at $400.01, over the $400.00 limit of USPS First-Class Package International"]);
    expect(check({ service, customs: customs({ items: [item({ value: "400.00" })] }) }).status).toBe("valid");
  });
});

describe("customs rules, one by one", () => {
  const errs = (c: unknown, extra: Record<string, unknown> = {}) => check({ customs: c, ...extra }).errors ?? {};

  it("required for an international shipment", () => {
    expect(errs(null)).toEqual({ "customs.contents_type": ["Required for an international shipment"], "customs.signer": ["Required: the person who certifies the declaration"], "customs.items": ["At least one item is required for an international shipment"] });
  });
  it("`other` contents need an explanation", () => {
    expect(errs(customs({ contents_type: "other" }))).toEqual({ "customs.contents_explanation": ["Required when contents_type is other"] });
    expect(errs(customs({ contents_type: "other", contents_explanation: "Spare parts" }))).toEqual({});
  });
  it("each item is checked, with errors under the item's path", () => {
    const e = errs(customs({ items: [item(), item({ description: null, quantity: 0, value: "3.999", weight_oz: 0, hs_tariff_number: "61091", origin_country: "QQ" })] }));
    expect(e).toEqual({
      "customs.items.1.description": ["Required"], "customs.items.1.quantity": ["Must be at least 1"],
      "customs.items.1.value": ["A decimal amount in USD, like \"25.00\""], "customs.items.1.weight_oz": ["Must be greater than 0"],
      "customs.items.1.hs_tariff_number": ["An HS tariff number has 6 to 10 digits"], "customs.items.1.origin_country": ["Unknown country code QQ; use ISO 3166-1 alpha-2"],
    });
    expect(errs(customs({ items: [item({ hs_tariff_number: "6109.10.0012" })] }))).toEqual({});
    expect(errs(customs({ items: [item({ hs_tariff_number: "61091000123" })] }))["customs.items.0.hs_tariff_number"]).toBeDefined();
    expect(errs(customs({ contents_type: "documents", items: [item({ hs_tariff_number: null, value: "0.00" })] }))).toEqual({});
    expect(errs(customs({ items: [item({ hs_tariff_number: null })] }))["customs.items.0.hs_tariff_number"]).toEqual(["Required (6 to 10 digits), except for documents"]);
  });
  it("what the customs forms print is printable, in its own letters", () => {
    expect(errs(customs({ signer: "Γιώργος Παπαδόπουλος", items: [item({ description: "Шерстяной шарф" })] }))).toEqual({});
    expect(errs(customs({ signer: "山田 太郎", items: [item({ description: "Tea 🍵" })] }))).toEqual({
      "customs.signer": [expect.stringMatching(/^Contains characters the customs form cannot print: 山 田 太 郎/)],
      "customs.items.0.description": [expect.stringMatching(/^Contains characters the customs form cannot print: 🍵/)],
    });
  });
  it("the items weigh no more than the parcel", () => {
    expect(errs(customs({ items: [item({ weight_oz: 20 }), item({ weight_oz: 12.5 })] }))).toEqual({ "customs.items": ["The items weigh 32.5 oz together, more than the parcel's 32 oz"] });
    expect(errs(customs({ items: [item({ weight_oz: 20 }), item({ weight_oz: 12 })] }))).toEqual({});
  });
  it("over $2,500 under one HS number needs an ITN (15 CFR 30.37(a)), except to Canada; at or under it, the exemption is derived", () => {
    const big = customs({ items: [item({ value: "2000.00" }), item({ value: "500.01" })] });
    expect(errs(big)["customs.itn"]?.[0]).toMatch(/^Required: the items under HS 610910 are worth \$2500\.01/);
    expect(errs({ ...big, itn: "X20261204123456" })).toEqual({});
    expect(errs({ ...big, itn: "X2026" })["customs.itn"]).toEqual(["An ITN is X followed by 14 digits, as AES issues it"]);
    expect(errs({ ...big, itn: "X20261204123456", eel_pfc: "NOEEI 30.37(a)" })["customs.eel_pfc"]).toEqual(["NOEEI 30.37(a) does not apply: items under one HS number are worth over $2,500"]);
    // Two HS numbers, each under the threshold: no filing.
    expect(errs(customs({ items: [item({ value: "2000.00" }), item({ value: "2000.00", hs_tariff_number: "4202.92" })] }))).toEqual({});
    expect(check({ to_address: ABROAD.CA, customs: big }).status).toBe("valid");
    const stored = record({ customs: customs() }).customs!;
    expect(exportFiling(stored, "GB")).toBe("NOEEI 30.37(a)");
    expect(exportFiling(stored, "CA")).toBe("NOEEI 30.36");
    expect(exportFiling({ ...stored, itn: "X20261204123456" }, "GB")).toBe("AES X20261204123456");
    expect(errs(customs({ eel_pfc: "whatever" }))["customs.eel_pfc"]).toEqual(["An exemption like NOEEI 30.37(a), or AES followed by the ITN"]);
  });
  it("a domestic shipment with customs is valid, with a warning that they are not used", () => {
    const home = toRecord({ from_address: from(), to_address: { name: "A", street1: "1 Main St", city: "Springfield", state: "IL", zip: "62701" }, parcel, service: "usps_priority", customs: customs() } as any, 1, owner, noDefaults, now);
    const r = validateShipment(home, now);
    expect(r.status).toBe("valid");
    expect(r.warnings?.customs).toEqual(["Not needed for a domestic shipment: it is neither sent to the carrier nor printed"]);
  });
});

describe("the batch's customs defaults", () => {
  const defaults: Defaults = { ...noDefaults, customs_defaults: JSON.stringify({ signer: "Shipping Desk", contents_type: "gift", incoterm: "DDP", non_delivery_option: "abandon" }) };

  it("fill what a shipment leaves empty; the shipment's own fields win; incoterm DDU and return when nobody says", () => {
    const r = record({ customs: { items: [item()], contents_type: "merchandise" } }, defaults);
    expect(r.customs).toMatchObject({ signer: "Shipping Desk", contents_type: "merchandise", incoterm: "DDP", non_delivery_option: "abandon" });
    expect(validateShipment(r, now).status).toBe("valid");
    expect(record({ customs: { items: [item()], contents_type: "gift", signer: "X" } }).customs).toMatchObject({ incoterm: "DDU", non_delivery_option: "return" });
    // An international shipment that says nothing still takes the defaults (and needs its items).
    const bare = record({ customs: undefined }, defaults);
    expect(bare.customs).toMatchObject({ signer: "Shipping Desk", items: [] });
    expect(validateShipment(bare, now).errors).toEqual({ "customs.items": ["At least one item is required for an international shipment"] });
  });

  it("a PATCH replaces the fields it names, and items whole; moving the address abroad takes the defaults", () => {
    const r = record({}, defaults);
    const edited = applyPatch(r, { customs: { signer: "Someone Else", items: [item({ description: "Mug", hs_tariff_number: "6912.00" })] } } as any, defaults, now);
    expect(edited.customs).toMatchObject({ signer: "Someone Else", contents_type: "merchandise", items: [expect.objectContaining({ description: "Mug" })] });
    expect(edited.customs!.items).toHaveLength(1);
    const home = toRecord({ from_address: from(), to_address: { name: "A", street1: "1 Main St", city: "Springfield", state: "IL", zip: "62701" }, parcel, service: "usps_priority" } as any, 1, owner, defaults, now);
    expect(home.customs).toBeNull();
    const moved = applyPatch(home, { to_address: ABROAD.DE } as any, defaults, now);
    expect(moved.customs).toMatchObject({ signer: "Shipping Desk", contents_type: "gift" });
  });
});

