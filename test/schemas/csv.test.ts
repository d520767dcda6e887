import { describe, expect, it } from "vitest";
import { parseShipmentsCsv } from "../../src/schemas/csv";
import { ApiError } from "../../src/http/errors";

const header = "reference,to_name,to_street1,to_city,to_state,to_zip,from_name,from_street1,from_city,from_state,from_zip,weight_oz,length_in,width_in,height_in,service";
const row = (ref: string, extra = "") => `${ref},Ada,1 Main St,Springfield,IL,62701,W,500 Dock Rd,Reno,NV,89501,16,10,8,4,usps_priority${extra}`;

describe("CSV shipments", () => {
  it("reads quoted fields with commas, quotes and newlines, a BOM and blank lines", () => {
    const text = `\uFEFF${header}\n\n"o-1","Lovelace, Ada","1 ""Main"" St\nApt 2",Springfield,IL,62701,W,500 Dock Rd,Reno,NV,89501,16,10,8,4,usps_priority\n\n${row("o-2")}\n`;
    const rows = parseShipmentsCsv(text);
    expect(rows).toHaveLength(2);
    expect(rows[0].input.to_address).toMatchObject({ name: "Lovelace, Ada", street1: '1 "Main" St\nApt 2' });
    expect(rows[0].input.reference).toBe("o-1");
    expect(rows[0].input.parcel).toEqual({ weight_oz: 16, length_in: 10, width_in: 8, height_in: 4 });
    expect(rows[1].errors).toBeNull();
  });

  it("keeps a bad row as that shipment's errors instead of failing the file", () => {
    const rows = parseShipmentsCsv(`${header}\n${row("o-1")}\no-2,Ada,1 Main St,Springfield,IL,62701,W,500 Dock Rd,Reno,NV,89501,heavy,10,8,4,usps_priority\n${row("o-3", ",extra")}`);
    expect(rows).toHaveLength(3);
    expect(rows[0].errors).toBeNull();
    expect(rows[1].errors).toEqual({ "parcel.weight_oz": ["Not a plain decimal number: heavy"] });
    expect(rows[1].input.parcel?.weight_oz).toBeNull();
    expect(rows[2].errors?.row?.[0]).toMatch(/Row 4 has 17 cells; the header has 16/);
  });

  it("rejects unknown columns by name", () => {
    try {
      parseShipmentsCsv(`${header},gift_note,colour\n${row("o-1")},hi,red`);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe("invalid_csv");
      expect((e as ApiError).message).toBe("Unknown columns: gift_note, colour.");
    }
  });

  it("rejects text that is not CSV and an empty file", () => {
    expect(() => parseShipmentsCsv(`${header}\n"o-1,unterminated`)).toThrow(/could not be read/);
    expect(() => parseShipmentsCsv("")).toThrow(/empty/);
  });
});
