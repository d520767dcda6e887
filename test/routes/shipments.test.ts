import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, countRows, countShipments, createBatch, newAccount, settle, shipment } from "../helpers";

async function invalidBatch() {
  const acct = await newAccount();
  const b = await createBatch(acct.key, { shipments: [shipment(), shipment({ to_address: { name: "B", street1: "2 B St", city: "X", state: "NY", zip: "1" } })] });
  const settled = await settle(acct.key, b.id);
  return { ...acct, batch: settled, bad: settled.shipments.data[1] };
}

describe("GET /v1/batches/{id}/shipments", () => {
  it("pages in position order with a status filter", async () => {
    const { key, batch } = await invalidBatch();
    const all = await api(key, `/v1/batches/${batch.id}/shipments?limit=1`);
    expect(all.json.pagination).toEqual({ page: 1, limit: 1, total_count: 2, has_more: true });
    expect(all.json.data[0].position).toBe(1);
    const invalid = await api(key, `/v1/batches/${batch.id}/shipments?status=invalid`);
    expect(invalid.json.data.map((s: any) => s.position)).toEqual([2]);
    expect((await api(key, `/v1/batches/${batch.id}/shipments?status=lost`)).status).toBe(400);
  });
});

describe("PATCH /v1/batches/{id}/shipments/{shipment_id}", () => {
  it("fixes a shipment by merging fields; it is validated again and the batch becomes ready", async () => {
    const { key, batch, bad } = await invalidBatch();
    const res = await api(key, `/v1/batches/${batch.id}/shipments/${bad.id}`, { method: "PATCH", body: { to_address: { zip: "10001" } } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: bad.id, status: "validating", to_address: { name: "B", street1: "2 B St", zip: "10001" } });
    const after = await settle(key, batch.id);
    expect(after.status).toBe("ready");
    expect(after.shipments.data[1]).toMatchObject({ status: "valid", errors: null });
    expect(after.shipments.data[1].rate).not.toBeNull();
  });

  it("an edit while a large batch validates goes in between pages, not after the last one", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: Array.from({ length: 1500 }, () => shipment()) });
    const target = b.shipments.data[0];
    const done: string[] = [];
    const validation = runDurableObjectAlarm(env.BATCH.get(env.BATCH.idFromName(b.id))).then((ran) => done.push(ran ? "validation" : "no alarm"));
    const edit = await api(key, `/v1/batches/${b.id}/shipments/${target.id}`, { method: "PATCH", body: { to_address: { zip: "1" } } });
    done.push("edit");
    await validation;
    expect(edit.status).toBe(200);
    expect(done).toEqual(["edit", "validation"]);
    const after = await settle(key, b.id);
    expect(after.status).toBe("invalid");
    expect(after.counts).toMatchObject({ total: 1500, valid: 1499, invalid: 1, validating: 0 });
  });

  it("can break a valid shipment too, and changes its service", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: [shipment()] });
    const s = (await settle(key, b.id)).shipments.data[0];
    await api(key, `/v1/batches/${b.id}/shipments/${s.id}`, { method: "PATCH", body: { service: "fedex_2day", parcel: { weight_oz: 5000 } } });
    const after = await settle(key, b.id);
    expect(after.status).toBe("invalid");
    expect(after.shipments.data[0]).toMatchObject({ carrier: "fedex", service: "fedex_2day", parcel: { weight_oz: 5000, length_in: 10 } });
    expect(after.shipments.data[0].errors["parcel.weight_oz"][0]).toMatch(/150 lb/);
  });

  it("refuses bad input, unknown shipments and another account's batch, changing nothing", async () => {
    const { key, batch, bad } = await invalidBatch();
    const other = await newAccount();
    const path = `/v1/batches/${batch.id}/shipments/${bad.id}`;
    expect((await api(key, path, { method: "PATCH", body: { parcel: { weight_oz: "x" } } })).json.error.code).toBe("validation_failed");
    expect((await api(key, path, { method: "PATCH", raw: "{", headers: { "content-type": "application/json" } })).json.error.code).toBe("invalid_json");
    expect((await api(key, `/v1/batches/${batch.id}/shipments/shp_nope`, { method: "PATCH", body: {} })).status).toBe(404);
    expect((await api(other.key, path, { method: "PATCH", body: { to_address: { zip: "10001" } } })).status).toBe(404);
    const now = await api(key, `/v1/batches/${batch.id}`);
    expect(now.json.status).toBe("invalid");
    expect(now.json.shipments.data[1].to_address.zip).toBe("1");
  });
});

describe("POST /v1/batches/{id}/add_shipments", () => {
  it("adds after the last position and sends the batch back to validating", async () => {
    const { key, batch } = await invalidBatch();
    const res = await api(key, `/v1/batches/${batch.id}/add_shipments`, { body: { shipments: [shipment(), shipment()] } });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: "validating", counts: { total: 4, validating: 2 } });
    const after = await settle(key, batch.id);
    expect(after.shipments.data.map((s: any) => s.position)).toEqual([1, 2, 3, 4]);
    expect(after.counts).toMatchObject({ valid: 3, invalid: 1 });
  });

  it("takes a CSV file too", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { default_service: "ups_ground" });
    const form = new FormData();
    form.set("file", new File(["reference,to_name,to_street1,to_city,to_state,to_zip,from_name,from_street1,from_city,from_state,from_zip,weight_oz,length_in,width_in,height_in\nc-1,Ada,1 Main St,Springfield,IL,62701,W,5 Dock,Reno,NV,89501,16,10,8,4"], "a.csv"));
    const res = await api(key, `/v1/batches/${b.id}/add_shipments`, { raw: form });
    expect(res.status).toBe(202);
    const after = await settle(key, b.id);
    expect(after.shipments.data[0]).toMatchObject({ reference: "c-1", service: "ups_ground", status: "valid" });
  });

  it("refuses to grow a batch past 10,000 shipments and writes nothing", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: [shipment()] });
    const res = await api(key, `/v1/batches/${b.id}/add_shipments`, { body: { shipments: Array.from({ length: 10_000 }, () => shipment()) } });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("payload_too_large");
    expect(await countShipments(b.id)).toBe(1);
  });
});

describe("POST /v1/batches/{id}/remove_shipments", () => {
  it("removes the invalid shipment and the batch becomes ready", async () => {
    const { key, batch, bad } = await invalidBatch();
    const res = await api(key, `/v1/batches/${batch.id}/remove_shipments`, { body: { shipment_ids: [bad.id] } });
    expect(res.status).toBe(200);
    const after = await settle(key, batch.id);
    expect(after).toMatchObject({ status: "ready", counts: { total: 1, valid: 1, invalid: 0 } });
  });

  it("removes nothing when any id is not in the batch", async () => {
    const { key, batch, bad } = await invalidBatch();
    const other = await invalidBatch();
    const res = await api(key, `/v1/batches/${batch.id}/remove_shipments`, { body: { shipment_ids: [bad.id, other.bad.id] } });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([{ path: "shipment_ids.1", message: "No such shipment in this batch" }]);
    expect(await countShipments(batch.id)).toBe(2);
    expect(await countShipments(other.batch.id)).toBe(2);
    expect((await api(key, `/v1/batches/${batch.id}`)).json.status).toBe("invalid");
  });
});
