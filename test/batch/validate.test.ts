import { describe, expect, it } from "vitest";
import { findService } from "../../src/carriers/services";
import { billablePounds, sandboxRate, zoneBetween } from "../../src/carriers/sandbox/rates";
import { toRecord, type Defaults } from "../../src/batch/intake";
import { validateShipment } from "../../src/batch/validate";
import { from, address } from "../helpers";

const now = "2026-04-01T10:00:00.000Z";
const owner = { batch_id: "batch_x", account_id: "acct_x" };
const record = (input: Record<string, unknown>, defaults: Defaults = { default_carrier: null, default_service: "usps_priority" }) =>
  toRecord({ from_address: from(), to_address: address(), parcel: { weight_oz: 16, length_in: 10, width_in: 8, height_in: 4 }, ...input } as any, 1, owner, defaults, now);

describe("shipment validation", () => {
  it("rates a valid shipment and sets a 24 h rate expiry", () => {
    const r = validateShipment(record({}), now);
    expect(r.status).toBe("valid");
    expect(r.errors).toBeNull();
    expect(r.rate_cents).toBeGreaterThan(0);
    expect(r.rate_expires_at).toBe("2026-04-02T10:00:00.000Z");
    expect(r.carrier).toBe("usps");
  });

  it("names print in their own letters; a character the label cannot print is an error naming the field", () => {
    for (const name of ["Łukasz Żółć", "Γιώργος", "Дмитрий", "Nguyễn Thị Minh Khai", "Zoë Ørsted"]) {
      expect(validateShipment(record({ to_address: address({ name }) }), now).status, name).toBe("valid");
    }
    const r = validateShipment(record({ to_address: address({ name: "山田 太郎", street2: "Apt 📦" }), reference: "订单" }), now);
    expect(r.status).toBe("invalid");
    expect(r.errors).toMatchObject({
      "to_address.name": [expect.stringContaining("山 田 太 郎")],
      "to_address.street2": [expect.stringContaining("📦")],
      reference: [expect.stringContaining("订 单")],
    });
  });

  it("UPS and FedEx take at most 35 characters an address line; USPS more", () => {
    const long = "Bartholomew-Maximilian Featherstonehaugh"; // 40 characters
    for (const service of ["ups_ground", "fedex_2day"]) {
      const r = validateShipment(record({ service, to_address: address({ street1: long }) }), now);
      expect(r.errors?.["to_address.street1"], service).toEqual([`At most 35 characters for ${service.split("_")[0].toUpperCase()} (this has 40)`]);
    }
    expect(validateShipment(record({ service: "usps_priority", to_address: address({ street1: long }) }), now).status).toBe("valid");
  });

  it("reports every bad field of an address at once", () => {
    const r = validateShipment(record({ to_address: { name: "", street1: "x", city: "", state: "XX", zip: "1234", email: "nope" } }), now);
    expect(r.status).toBe("invalid");
    expect(r.errors).toEqual({
      "to_address.name": ["Name is required"],
      "to_address.city": ["City is required"],
      "to_address.state": ["Unknown US state XX"],
      "to_address.zip": ["Invalid ZIP code"],
      "to_address.email": ["Invalid email address"],
    });
    expect(r.rate_cents).toBeNull();
  });

  it("accepts ZIP+4, DC, territories and military states; rejects unknown countries", () => {
    expect(validateShipment(record({ to_address: address({ state: "DC", zip: "20001-1234" }) }), now).status).toBe("valid");
    expect(validateShipment(record({ to_address: address({ state: "PR", zip: "00901" }) }), now).status).toBe("valid");
    expect(validateShipment(record({ to_address: address({ state: "AE", zip: "09001" }) }), now).status).toBe("valid");
    expect(validateShipment(record({ to_address: address({ country: "QQ" }) }), now).errors).toEqual({
      "to_address.country": ["Unknown country code QQ; use ISO 3166-1 alpha-2"],
    });
  });

  it("enforces each service's weight and size limits", () => {
    const heavyForUsps = { weight_oz: 71 * 16, length_in: 10, width_in: 8, height_in: 4 };
    expect(validateShipment(record({ parcel: heavyForUsps }), now).errors).toEqual({
      "parcel.weight_oz": ["Over the 70 lb limit of USPS Priority Mail"],
    });
    expect(validateShipment(record({ parcel: heavyForUsps, service: "ups_ground" }), now).status).toBe("valid");
    const long = { weight_oz: 10, length_in: 109, width_in: 2, height_in: 2 };
    expect(validateShipment(record({ parcel: long, service: "fedex_ground" }), now).errors?.["parcel.length_in"]?.[0]).toMatch(/Longest side/);
    const girthy = { weight_oz: 10, length_in: 40, width_in: 20, height_in: 20 }; // 40 + 2*(40) = 120 > 108
    expect(validateShipment(record({ parcel: girthy }), now).errors?.["parcel.length_in"]?.[0]).toMatch(/Length plus girth/);
    expect(validateShipment(record({ parcel: girthy, service: "usps_ground_advantage" }), now).status).toBe("valid");
  });

  it("requires a parcel, a known service and a carrier that matches it", () => {
    expect(validateShipment(record({ parcel: { weight_oz: 0 } }), now).errors).toEqual({
      "parcel.weight_oz": ["Must be greater than 0"], "parcel.length_in": ["Required"],
      "parcel.width_in": ["Required"], "parcel.height_in": ["Required"],
    });
    expect(validateShipment(record({ service: "usps_teleport" }), now).errors).toEqual({ service: ["Unknown service usps_teleport"] });
    expect(validateShipment(record({}, { default_carrier: null, default_service: null }), now).errors?.service).toBeDefined();
    expect(validateShipment(record({ carrier: "ups", service: "usps_priority" }), now).errors).toEqual({
      service: ["USPS Priority Mail is not a ups service"],
    });
  });

  it("inherits the batch default unless the shipment overrides it", () => {
    expect(record({}).service).toBe("usps_priority");
    expect(record({ service: "fedex_2day" })).toMatchObject({ service: "fedex_2day", carrier: "fedex" });
    // A carrier alone does not take another carrier's default service.
    expect(record({ carrier: "ups" })).toMatchObject({ carrier: "ups", service: null });
  });
});

describe("sandbox rates", () => {
  const spec = (id: string) => findService(id)!;
  const req = (service: string, parcel: object, toZip = "62701") => ({
    service: spec(service), from: from() as any, to: address({ zip: toZip }) as any,
    parcel: { weight_oz: 16, length_in: 10, width_in: 8, height_in: 4, ...parcel },
  });

  it("zones grow with ZIP distance", () => {
    expect(zoneBetween("89501", "89502")).toBe(1);
    expect(zoneBetween("89501", "10001")).toBe(8);
    const near = sandboxRate(req("usps_priority", {}, "89510")).cents;
    const far = sandboxRate(req("usps_priority", {}, "10001")).cents;
    expect(far).toBeGreaterThan(near);
  });

  it("bills dimensional weight when the box is large and light", () => {
    expect(billablePounds(req("ups_ground", { weight_oz: 16, length_in: 20, width_in: 20, height_in: 20 }))).toBe(58); // 8000/139
    expect(billablePounds(req("usps_priority", { weight_oz: 16, length_in: 10, width_in: 10, height_in: 10 }))).toBe(1); // under 1 ft³
    expect(billablePounds(req("usps_priority", { weight_oz: 16, length_in: 20, width_in: 20, height_in: 20 }))).toBe(49); // 8000/166
  });

  it("is deterministic and dearer for faster services", () => {
    const a = sandboxRate(req("fedex_ground", {})).cents;
    expect(sandboxRate(req("fedex_ground", {})).cents).toBe(a);
    expect(sandboxRate(req("fedex_standard_overnight", {})).cents).toBeGreaterThan(sandboxRate(req("fedex_2day", {})).cents);
    expect(sandboxRate(req("fedex_2day", {})).cents).toBeGreaterThan(a);
  });
});
