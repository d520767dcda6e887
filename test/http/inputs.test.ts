// Bad input gets the documented error and changes nothing; CSV and JSON follow one set of rules.
import { describe, expect, it } from "vitest";
import { parseShipmentsCsv } from "../../src/schemas/csv";
import { api, countRows, createBatch, newAccount, settle, shipment, address } from "../helpers";

const header = "reference,to_name,to_street1,to_city,to_state,to_zip,from_name,from_street1,from_city,from_state,from_zip,weight_oz,length_in,width_in,height_in,service";
const row = (ref: string, weight = "16") => `${ref},Ada,1 Main St,Springfield,IL,62701,W,500 Dock Rd,Reno,NV,89501,${weight},10,8,4,usps_priority`;
const csvForm = (text: string | Uint8Array) => {
  const form = new FormData();
  form.append("file", new Blob([text as string], { type: "text/csv" }), "s.csv");
  return form;
};

describe("inputs", () => {
  it("invalid UTF-8 is refused, in JSON (invalid_json) and in a CSV (invalid_csv), and nothing is stored", async () => {
    const { key, id } = await newAccount();
    const bad = new Uint8Array([...new TextEncoder().encode('{"reference":"caf'), 0xe9, ...new TextEncoder().encode('","shipments":[]}')]);
    const json = await api(key, "/v1/batches", { raw: bad, headers: { "content-type": "application/json" } });
    expect(json.status).toBe(400);
    expect(json.json.error.code).toBe("invalid_json");
    const csvBytes = new Uint8Array([...new TextEncoder().encode(`${header}\n${row("caf")}`), 0xff, 0x0a]);
    const csv = await api(key, "/v1/batches", { raw: csvForm(csvBytes) });
    expect(csv.status).toBe(400);
    expect(csv.json.error.code).toBe("invalid_csv");
    expect(await countRows("batches", "account_id = ?", id)).toBe(0);
  });

  it("text fields are bounded in JSON: a 1 MiB city is a validation error naming the field", async () => {
    const { key } = await newAccount();
    const res = await api(key, "/v1/batches", { body: { default_service: "usps_priority", shipments: [shipment({ to_address: address({ city: "x".repeat(1 << 20) }) })] } });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([expect.objectContaining({ path: "shipments.0.to_address.city" })]);
    for (const [field, value] of [["email", `${"a".repeat(250)}@x.io`], ["phone", "1".repeat(21)], ["zip", "1".repeat(11)]] as const) {
      const r = await api(key, "/v1/batches", { body: { default_service: "usps_priority", shipments: [shipment({ to_address: address({ [field]: value }) })] } });
      expect(r.status, field).toBe(400);
    }
  });

  it("CSV cells follow the JSON rules: plain decimals only, and the same length limits", () => {
    const rows = parseShipmentsCsv([header, row("hex", "0x10"), row("exp", "1e1"), row("R".repeat(200)), row("ok", "16.5")].join("\n"));
    expect(rows[0].errors).toEqual({ "parcel.weight_oz": ["Not a plain decimal number: 0x10"] });
    expect(rows[1].errors).toEqual({ "parcel.weight_oz": ["Not a plain decimal number: 1e1"] });
    expect(rows[0].input.parcel!.weight_oz).toBeNull();
    expect(Object.keys(rows[2].errors!)).toEqual(["reference"]);
    expect(rows[2].input.reference).toBeNull();
    expect(rows[3].errors).toBeNull();
    expect(rows[3].input.parcel!.weight_oz).toBe(16.5);
  });

  it("a CSV row's limits become that shipment's errors through validation", async () => {
    const { key } = await newAccount();
    const created = await api(key, "/v1/batches", { raw: csvForm([header, row("R".repeat(200)), row("fine")].join("\n")) });
    const done = await settle(key, created.json.id);
    expect(done.shipments.data[0]).toMatchObject({ status: "invalid", errors: { reference: [expect.stringMatching(/100/)] } });
    expect(done.shipments.data[1].status).toBe("valid");
  });

  it("a header-only CSV on add_shipments is refused like an empty JSON list, and the batch does not move", async () => {
    const { key } = await newAccount();
    const b = await settle(key, (await createBatch(key, { shipments: [shipment()] })).id);
    const events = (await api(key, `/v1/events?batch_id=${b.id}`)).json.pagination.total_count;
    const res = await api(key, `/v1/batches/${b.id}/add_shipments`, { raw: csvForm(`${header}\n`) });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("validation_failed");
    expect((await api(key, `/v1/batches/${b.id}/add_shipments`, { body: { shipments: [] } })).status).toBe(400);
    expect((await api(key, `/v1/batches/${b.id}`)).json.status).toBe("ready");
    expect((await api(key, `/v1/events?batch_id=${b.id}`)).json.pagination.total_count).toBe(events);
  });

  it("a trailing slash is the same resource, never a 405", async () => {
    const { key } = await newAccount();
    const res = await api(key, "/v1/batches/");
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([]);
  });

  it("default_carrier follows default_service", async () => {
    const { key } = await newAccount();
    expect((await createBatch(key, { default_service: "fedex_2day" })).default_carrier).toBe("fedex");
  });
});
