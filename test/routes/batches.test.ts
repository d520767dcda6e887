import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../../src/schemas/csv";
import { api, balanceCents, cents, countRows, countShipments, createBatch, isFinal, newAccount, readyBatch, settle, shipment, waitFor } from "../helpers";

const CSV_HEADER = "reference,to_name,to_street1,to_city,to_state,to_zip,from_name,from_street1,from_city,from_state,from_zip,weight_oz,length_in,width_in,height_in";
const csvRow = (ref: string, zip = "62701") => `${ref},Ada,1 Main St,Springfield,IL,${zip},W,500 Dock Rd,Reno,NV,89501,16,10,8,4`;

function csvForm(text: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.set("file", new File([text], "batch.csv", { type: "text/csv" }));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
}

describe("POST /v1/batches", () => {
  it("happy path: answers 202 validating, then settles to ready with rates and counts", async () => {
    const { key } = await newAccount();
    const res = await api(key, "/v1/batches", {
      body: { reference: "april-2026", name: "April", default_service: "usps_priority", metadata: { team: "ops" },
        shipments: [shipment(), shipment({ service: "ups_ground" })] },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.json).toMatchObject({ object: "batch", status: "validating", mode: "test", via: "api", reference: "april-2026",
      name: "April", label_format: "pdf", label_layout: "4x6", metadata: { team: "ops" }, counts: { total: 2, validating: 2 } });
    expect(res.json.id).toMatch(/^batch_/);
    expect(res.json.shipments.data.map((s: any) => s.position)).toEqual([1, 2]);
    expect(Date.parse(res.json.expires_at) - Date.parse(res.json.created_at)).toBe(30 * 24 * 3600 * 1000);

    const b = await settle(key, res.json.id);
    expect(b).toMatchObject({ status: "ready", counts: { total: 2, valid: 2, invalid: 0, validating: 0 }, completion_percentage: 0, total_amount: "0.00" });
    expect(b.validated_at).not.toBeNull();
    expect(b.shipments.data[0]).toMatchObject({ object: "batch_shipment", status: "valid", carrier: "usps", service: "usps_priority", errors: null });
    expect(b.shipments.data[1]).toMatchObject({ carrier: "ups", service: "ups_ground" });
    expect(b.shipments.data[1].rate).toMatchObject({ currency: "USD" });
    expect(b.shipments.data[1].rate.amount).toMatch(/^\d+\.\d{2}$/);
  });

  it("one bad address does not block the rest: the batch is invalid, the others valid and rated", async () => {
    const { key } = await newAccount();
    const b = await settle(key, (await createBatch(key, { shipments: [shipment(), shipment({ to_address: { name: "B" } }), shipment()] })).id);
    expect(b.status).toBe("invalid");
    expect(b.counts).toMatchObject({ valid: 2, invalid: 1 });
    expect(b.shipments.data[1].errors).toMatchObject({ "to_address.street1": ["Street is required"], "to_address.zip": ["ZIP code is required"] });
    expect(b.shipments.data[0].rate).not.toBeNull();
  });

  it("an empty batch is ready at once", async () => {
    const { key } = await newAccount();
    const res = await api(key, "/v1/batches", { body: {} });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: "ready", counts: { total: 0 } });
  });

  it("accepts a CSV file, keeps bad rows as invalid shipments, and records via: file", async () => {
    const { key } = await newAccount();
    const text = `\uFEFF${CSV_HEADER}\n${csvRow("o-1")}\n\n${csvRow("o-2", "ABCDE")}\n"o-3",Ada,"1 Main St, Apt 2",Springfield,IL,62701,W,500 Dock Rd,Reno,NV,89501,16,10,8,4\n`;
    const res = await api(key, "/v1/batches", { raw: csvForm(text, { default_service: "fedex_ground", reference: "csv-1", metadata: '{"a":1}' }) });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ via: "file", reference: "csv-1", default_service: "fedex_ground", metadata: { a: 1 }, counts: { total: 3 } });
    const b = await settle(key, res.json.id);
    expect(b.status).toBe("invalid");
    expect(b.shipments.data.map((s: any) => [s.reference, s.status])).toEqual([["o-1", "valid"], ["o-2", "invalid"], ["o-3", "valid"]]);
    expect(b.shipments.data[1].errors).toEqual({ "to_address.zip": ["Invalid ZIP code"] });
    expect(b.shipments.data[2].to_address.street1).toBe("1 Main St, Apt 2");
  });

  it("serves a CSV template, without a key, with every documented column and two rows (at home, and abroad with two customs items) that make valid shipments", async () => {
    const template = await api(null, "/shipments-template.csv");
    expect(template.status).toBe(200);
    expect(template.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const [header, row, abroad, rest] = template.text.split("\r\n");
    expect(header.split(",")).toEqual([...CSV_COLUMNS]);
    expect(row.split(",")).toHaveLength(CSV_COLUMNS.length);
    expect(abroad.split(",")).toHaveLength(CSV_COLUMNS.length);
    expect(rest).toBe("");
    const { key } = await newAccount();
    const b = await settle(key, (await api(key, "/v1/batches", { raw: csvForm(template.text) })).json.id);
    expect(b).toMatchObject({ status: "ready", counts: { total: 2, valid: 2 } });
    expect(b.shipments.data[0]).toMatchObject({ reference: "order-1001", service: "usps_priority", to_address: { zip: "62701" }, customs: null });
    expect(b.shipments.data[1]).toMatchObject({
      reference: "order-1002", service: "usps_priority_international", to_address: { country: "CA", zip: "M5V 3L9" },
      customs: { contents_type: "merchandise", signer: "Acme Shipping Desk", eel_pfc: "NOEEI 30.36", items: [
        { description: "Cotton T-shirt", quantity: 2, value: "30.00", weight_oz: 12, hs_tariff_number: "6109.10", origin_country: "US" },
        { description: "Ceramic mug", quantity: 1, value: "12.50", weight_oz: 10, hs_tariff_number: "6912.00", origin_country: "PT" },
      ] },
    });
  });

  it("a CSV carries any number of customs items (item3_…), and a bad item cell is that row's error under the item's path", async () => {
    const { key } = await newAccount();
    const header = "reference,to_name,to_street1,to_city,to_zip,to_country,from_name,from_street1,from_city,from_state,from_zip,weight_oz,length_in,width_in,height_in,service,customs_contents_type,customs_signer,item1_description,item1_quantity,item1_value,item1_weight_oz,item1_hs_tariff_number,item1_origin_country,item3_description,item3_quantity,item3_value,item3_weight_oz,item3_hs_tariff_number,item3_origin_country";
    const abroad = (ref: string, qty: string) => `${ref},Jürgen Weiß,Unter den Linden 77,Berlin,10117,DE,W,500 Dock Rd,Reno,NV,89501,16,10,8,4,usps_priority_international,gift,Ada,Book,1,10.00,8,4901.99,GB,Scarf,${qty},15.00,6,6117.10,IT`;
    const res = await api(key, "/v1/batches", { raw: csvForm(`${header}\n${abroad("o-1", "1")}\n${abroad("o-2", "two")}`) });
    expect(res.status).toBe(202);
    const b = await settle(key, res.json.id);
    const [one, two] = b.shipments.data;
    expect(one.customs.items.map((i: any) => i.description)).toEqual(["Book", "Scarf"]);
    expect(two.status).toBe("invalid");
    expect(two.errors["customs.items.1.quantity"]).toEqual(["Not a plain decimal number: two"]);
  });

  it("rejects a CSV with unknown columns, naming them, and writes nothing", async () => {
    const { key, id } = await newAccount();
    const res = await api(key, "/v1/batches", { raw: csvForm(`${CSV_HEADER},gift_wrap\n${csvRow("o-1")},yes`) });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "invalid_csv", message: "Unknown columns: gift_wrap." });
    expect(await countRows("batches", "account_id = ?", id)).toBe(0);
  });

  it("rejects a multipart body without a file", async () => {
    const { key } = await newAccount();
    const form = new FormData();
    form.set("reference", "x");
    const res = await api(key, "/v1/batches", { raw: form });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([{ path: "file", message: "Required" }]);
  });

  describe("bad input answers the documented error and writes nothing", () => {
    const cases: Array<[string, Parameters<typeof api>[2], number, string]> = [
      ["broken JSON", { raw: "{ not json", headers: { "content-type": "application/json" } }, 400, "invalid_json"],
      ["wrong content type", { raw: "hello", headers: { "content-type": "text/plain" } }, 415, "unsupported_media_type"],
      ["shipments not an array", { body: { shipments: "lots" } }, 400, "validation_failed"],
      ["a wrong type deep inside", { body: { shipments: [shipment({ parcel: { weight_oz: "heavy" } })] } }, 400, "validation_failed"],
      ["an unknown field", { body: { shipments: [shipment({ colour: "red" })] } }, 400, "validation_failed"],
      ["an unknown default service", { body: { default_service: "usps_teleport" } }, 400, "validation_failed"],
      ["an unknown label format", { body: { label_format: "gif" } }, 400, "validation_failed"],
      ["10,001 shipments", { body: { shipments: Array.from({ length: 10_001 }, () => ({})) } }, 413, "payload_too_large"],
      ["a body over the size limit", { raw: "x".repeat(21 * 1024 * 1024), headers: { "content-type": "application/json" } }, 413, "payload_too_large"],
    ];
    for (const [name, init, status, code] of cases) {
      it(name, async () => {
        const { key, id } = await newAccount();
        const res = await api(key, "/v1/batches", init);
        expect(res.status).toBe(status);
        expect(res.json.error.code).toBe(code);
        expect(Object.keys(res.json)).toEqual(["error"]);
        expect(res.headers.get("x-request-id")).toMatch(/^req_/);
        expect(await countRows("batches", "account_id = ?", id)).toBe(0);
      });
    }

    it("points at the failing field", async () => {
      const { key } = await newAccount();
      const res = await api(key, "/v1/batches", { body: { shipments: [shipment(), shipment(), shipment(), shipment({ to_address: { zip: 62701 } })] } });
      expect(res.json.error.details).toEqual([{ path: "shipments.3.to_address.zip", message: expect.any(String) }]);
    });
  });
});

describe("GET /v1/batches/{id}", () => {
  it("finds a batch by reference (the newest with it) and pages its shipments", async () => {
    const { key } = await newAccount();
    await createBatch(key, { reference: "weekly", shipments: [shipment()] });
    const newer = await createBatch(key, { reference: "weekly", shipments: [shipment(), shipment(), shipment()] });
    await settle(key, newer.id);
    const res = await api(key, "/v1/batches/weekly?shipments_limit=2&shipments_page=2");
    expect(res.json.id).toBe(newer.id);
    expect(res.json.shipments.pagination).toEqual({ page: 2, limit: 2, total_count: 3, has_more: false });
    expect(res.json.shipments.data.map((s: any) => s.position)).toEqual([3]);
  });

  it("filters shipments by status and refuses a limit over 1,000", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: [shipment(), shipment({ parcel: null })] });
    await settle(key, b.id);
    const res = await api(key, `/v1/batches/${b.id}?shipments_status=invalid`);
    expect(res.json.shipments.data.map((s: any) => s.position)).toEqual([2]);
    expect((await api(key, `/v1/batches/${b.id}?shipments_limit=1001`)).json.error.code).toBe("validation_failed");
  });

  it("another account's batch is a 404, by id and by reference", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const batch = await createBatch(a.key, { reference: "secret-ref", shipments: [shipment()] });
    for (const path of [`/v1/batches/${batch.id}`, "/v1/batches/secret-ref", `/v1/batches/${batch.id}/shipments`]) {
      const res = await api(b.key, path);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("not_found");
      expect(res.text).not.toContain(batch.id);
    }
    expect((await api(b.key, `/v1/batches/${batch.id}/cancel`, { method: "POST" })).status).toBe(404);
    expect((await api(a.key, `/v1/batches/${batch.id}`)).json.status).toBeDefined();
  });
});

describe("GET /v1/batches", () => {
  it("lists newest first with pagination, filters and order", async () => {
    const { key } = await newAccount();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createBatch(key, { reference: i % 2 ? "odd" : "even", shipments: [] })).id);
    const p1 = await api(key, "/v1/batches?limit=2");
    expect(p1.json.data.map((b: any) => b.id)).toEqual([ids[4], ids[3]]);
    expect(p1.json.pagination).toEqual({ page: 1, limit: 2, total_count: 5, has_more: true });
    expect(p1.json.data[0].shipments).toBeUndefined();
    const p3 = await api(key, "/v1/batches?limit=2&page=3");
    expect(p3.json.data.map((b: any) => b.id)).toEqual([ids[0]]);
    expect(p3.json.pagination.has_more).toBe(false);
    expect((await api(key, "/v1/batches?order=asc&limit=1")).json.data[0].id).toBe(ids[0]);
    expect((await api(key, "/v1/batches?reference=odd")).json.data.map((b: any) => b.id)).toEqual([ids[3], ids[1]]);
    expect((await api(key, "/v1/batches?status=ready&via=api")).json.pagination.total_count).toBe(5);
    expect((await api(key, "/v1/batches?via=file")).json.pagination.total_count).toBe(0);
    expect((await api(key, "/v1/batches?created_after=2999-01-01T00:00:00Z")).json.pagination.total_count).toBe(0);
    expect((await api(key, "/v1/batches?created_before=2999-01-01T00:00:00Z")).json.pagination.total_count).toBe(5);
  });

  it("refuses bad query values and shows no other account's batches", async () => {
    const a = await newAccount();
    const b = await newAccount();
    await createBatch(a.key, {});
    for (const q of ["limit=101", "limit=0", "page=0", "page=x", "status=done", "order=up", "created_after=yesterday"]) {
      const res = await api(b.key, `/v1/batches?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.json.error.code).toBe("validation_failed");
    }
    expect((await api(b.key, "/v1/batches")).json.pagination.total_count).toBe(0);
  });
});

describe("POST /v1/batches/{id}/cancel", () => {
  it("cancels before purchase, once; a cancelled batch refuses edits with the state named", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: [shipment()] });
    await settle(key, b.id);
    const res = await api(key, `/v1/batches/${b.id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("cancelled");
    const again = await api(key, `/v1/batches/${b.id}/cancel`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: "invalid_state", message: expect.stringContaining("cancelled") });
    const add = await api(key, `/v1/batches/${b.id}/add_shipments`, { body: { shipments: [shipment()] } });
    expect(add.status).toBe(409);
    expect(await countShipments(b.id)).toBe(1);
  });

  it("records batch.created and batch.updated events with previous_status", async () => {
    const { id, key } = await newAccount();
    const b = await createBatch(key, { shipments: [shipment()] });
    await settle(key, b.id);
    await api(key, `/v1/batches/${b.id}/cancel`, { method: "POST" });
    const events = (await api(key, "/v1/events")).json.data;
    expect(events.map((e: any) => [e.type, e.data.status, e.data.previous_status])).toEqual([
      ["batch.updated", "cancelled", "ready"],
      ["batch.updated", "ready", "validating"],
      ["batch.created", "validating", undefined],
    ]);
    expect(await countRows("events", "account_id = ?", id)).toBe(3);
  });
});

describe("one writer per batch", () => {
  it("concurrent cancels: exactly one wins, the others get 409", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: [shipment()] });
    await settle(key, b.id);
    const results = await Promise.all(Array.from({ length: 5 }, () => api(key, `/v1/batches/${b.id}/cancel`, { method: "POST" })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(await countRows("events", "batch_id = ? AND type = 'batch.updated' AND json_extract(data, '$.status') = 'cancelled'", b.id)).toBe(1);
  });

});

describe("a batch never disagrees with its shipments", () => {
  it("when the write of a new batch's shipments fails, neither the batch nor its event remains", async () => {
    const { key, id } = await newAccount();
    const { vi } = await import("vitest");
    const { LocalSql } = await import("../../src/batch/local-sql");
    const real = LocalSql.prototype.rows;
    // The object's SQLite refuses the shipment rows, in the transaction that also writes the batch and its event.
    const spy = vi.spyOn(LocalSql.prototype, "rows").mockImplementation(function (this: InstanceType<typeof LocalSql>, st: D1PreparedStatement) {
      if (/INSERT INTO shipments/.test((st as unknown as { sql: string }).sql)) throw new Error("disk full");
      return real.call(this, st);
    } as typeof real);
    const res = await api(key, "/v1/batches", { body: { default_service: "usps_priority", shipments: [shipment(), shipment()] } });
    spy.mockRestore();
    expect(res.status).toBe(500);
    expect(await countRows("batches", "account_id = ?", id)).toBe(0);
    expect(await countRows("events", "account_id = ?", id)).toBe(0);
    expect((await api(key, "/v1/batches")).json.data).toEqual([]);
  });

  it("add, fix and remove answer counts that match the shipments", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: [shipment(), shipment({ parcel: null })] });
    const settled = await settle(key, b.id);
    const bad = settled.shipments.data[1];
    const added = await api(key, `/v1/batches/${b.id}/add_shipments`, { body: { shipments: [shipment()] } });
    expect(added.json.counts).toMatchObject({ total: 3, valid: 1, invalid: 1, validating: 1 });
    await settle(key, b.id);
    const patched = await api(key, `/v1/batches/${b.id}/shipments/${bad.id}`, { method: "PATCH", body: { parcel: { weight_oz: 8, length_in: 6, width_in: 6, height_in: 6 } } });
    expect(patched.status).toBe(200);
    expect((await api(key, `/v1/batches/${b.id}?shipments_limit=1`)).json.counts).toMatchObject({ total: 3, valid: 2, invalid: 0, validating: 1 });
    await settle(key, b.id);
    const removed = await api(key, `/v1/batches/${b.id}/remove_shipments`, { body: { shipment_ids: [bad.id] } });
    expect(removed.json.counts).toMatchObject({ total: 2, valid: 2, validating: 0, invalid: 0 });
  });
});

describe("the price guard", () => {
  it("expected_amount off by a cent buys nothing: 409 amount_changed with the current amount; the amount shown buys", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 3);
    const total = b.rate_summary.reduce((a: number, r: any) => a + cents(r.amount), 0);
    const shown = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, "0")}`;
    for (const off of [total - 1, total + 1]) {
      const res = await api(key, `/v1/batches/${b.id}/purchase`, { body: { expected_amount: shown(off) } });
      expect(res.status).toBe(409);
      expect(res.json.error).toMatchObject({ code: "amount_changed", details: [{ path: "expected_amount", message: `The amount to be charged is ${shown(total)}` }] });
    }
    expect((await api(key, `/v1/batches/${b.id}`)).json.status).toBe("ready");
    expect(await balanceCents(id)).toBe(100_000_000);
    expect(await countRows("ledger", "account_id = ?", id)).toBe(0);
    expect((await api(key, `/v1/batches/${b.id}/purchase`, { body: { expected_amount: "12.3" } })).status).toBe(400);
    const ok = await api(key, `/v1/batches/${b.id}/purchase`, { body: { expected_amount: shown(total) } });
    expect(ok.status).toBe(202);
    const done = await waitFor(key, b.id, isFinal);
    expect(cents(done.total_amount)).toBe(total);
  });
});
