import { describe, expect, it } from "vitest";
import { fedexCheck, mod10Check, trackingNumber, upsCheck } from "../../src/carriers/sandbox/tracking";

// Published, known-valid numbers: the check functions must agree with the carriers' own.
describe("check digit algorithms", () => {
  it("USPS IMpb mod 10", () => {
    for (const n of ["9400111202555842332669", "9205590164917312751089"]) expect(mod10Check(n.slice(0, -1))).toBe(Number(n.at(-1)));
  });
  it("UPS 1Z", () => {
    for (const n of ["1Z999AA10123456784", "1Z12345E6605272234"]) expect(upsCheck(n.slice(2, -1))).toBe(Number(n.at(-1)));
  });
  it("FedEx 12-digit (weights 1, 3, 7, mod 11)", () => {
    // 1*1+2*3+3*7+4*1+5*3+6*7+7*1+8*3+9*7+0*1+1*3 on 10987654321 reversed … computed by hand:
    expect(fedexCheck("00000000001")).toBe(1);
    expect(fedexCheck("00000000010")).toBe(3);
    expect(fedexCheck("00000000100")).toBe(7);
    expect(fedexCheck("00000001000")).toBe(1);
    expect(fedexCheck("00000000004")).toBe(4);
    expect(fedexCheck("00000000011")).toBe(4);
    expect(fedexCheck("00000000111")).toBe(0); // 11 % 11 = 0
  });
});

describe("sandbox tracking numbers", () => {
  it("have each carrier's format and a valid check digit", async () => {
    for (let i = 0; i < 50; i++) {
      const usps = trackingNumber("usps", "usps_priority", `shp_${i}`);
      expect(usps).toMatch(/^94055\d{17}$/);
      expect(mod10Check(usps.slice(0, -1))).toBe(Number(usps.at(-1)));
      const ups = trackingNumber("ups", "ups_2nd_day_air", `shp_${i}`);
      expect(ups).toMatch(/^1Z[A-Z0-9]{6}02\d{8}$/);
      expect(upsCheck(ups.slice(2, -1))).toBe(Number(ups.at(-1)));
      const fedex = trackingNumber("fedex", "fedex_ground", `shp_${i}`);
      expect(fedex).toMatch(/^\d{12}$/);
      expect(fedexCheck(fedex.slice(0, -1))).toBe(Number(fedex.at(-1)));
    }
  });

  it("are the same for the same key and differ across keys", async () => {
    expect(trackingNumber("usps", "usps_priority", "shp_a")).toBe(trackingNumber("usps", "usps_priority", "shp_a"));
    const many = new Set(Array.from({ length: 2000 }, (_, i) => trackingNumber("usps", "usps_priority", `k${i}`)));
    expect(many.size).toBe(2000);
  });
});
