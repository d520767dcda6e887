// International shipments through the API, in the sandbox: the contract's names on the wire, and
// money, voids, SCAN forms and customs documents for a batch that ships abroad and at home.
import { exports } from "cloudflare:workers";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { ABROAD, api, balanceCents, cents, createBatch, from, isFinal, newAccount, settle, waitFor } from "../helpers";

const parcel = { weight_oz: 32, length_in: 10, width_in: 8, height_in: 4 };
const item = () => ({ description: "Cotton T-shirt", quantity: 2, value: "30.00", weight_oz: 12, hs_tariff_number: "6109.10", origin_country: "US" });

describe("an international batch through the API (sandbox)", () => {
  const body = (over: Record<string, unknown> = {}) => ({
    customs_defaults: { signer: "Grace Hopper", contents_type: "merchandise" },
    shipments: [
      { reference: "to-ca", service: "usps_priority_international", from_address: from(), to_address: ABROAD.CA, parcel, customs: { items: [item()] } },
      { reference: "to-de", service: "fedex_international_economy", from_address: from(), to_address: ABROAD.DE, parcel, customs: { items: [item()], incoterm: "DDP" } },
      { reference: "home", service: "usps_priority", from_address: from(), to_address: { name: "A", street1: "1 Main St", city: "Springfield", state: "IL", zip: "62701" }, parcel },
    ],
    ...over,
  });

  it("lists each service's scope; shows the batch's defaults and each shipment's declaration with its export filing", async () => {
    const { key } = await newAccount();
    const carriers = (await api(key, "/v1/carriers")).json.data;
    const services = carriers.flatMap((c: any) => c.services);
    expect(services.filter((s: any) => s.scope === "international").map((s: any) => s.id).sort()).toEqual([
      "fedex_international_economy", "fedex_international_priority", "ups_worldwide_expedited", "ups_worldwide_saver",
      "usps_first_class_international", "usps_priority_express_international", "usps_priority_international",
    ]);
    expect(services.find((s: any) => s.id === "usps_priority").scope).toBe("domestic");
    expect(services.find((s: any) => s.id === "usps_first_class_international")).toMatchObject({ delivery_days_min: 7, delivery_days: 21, max_declared_value: "400.00", max_sum_of_sides_in: 36 });
    const b = await settle(key, (await createBatch(key, body())).id);
    expect(b.status).toBe("ready");
    expect(b.customs_defaults).toEqual({ signer: "Grace Hopper", contents_type: "merchandise" });
    const [ca, de, home] = b.shipments.data;
    expect(ca.customs).toMatchObject({ signer: "Grace Hopper", incoterm: "DDU", non_delivery_option: "return", eel_pfc: "NOEEI 30.36" });
    expect(de.customs).toMatchObject({ incoterm: "DDP", eel_pfc: "NOEEI 30.37(a)" });
    expect(home.customs).toBeNull();
    const list = (await api(key, "/v1/batches")).json.data[0];
    expect(list.customs_defaults).toEqual({ signer: "Grace Hopper", contents_type: "merchandise" });
  });

  it("buys, charges and voids abroad as at home; customs documents cover the international shipments only; FedEx's manifest leaves its international shipment out", async () => {
    const { key, id: accountId } = await newAccount();
    const before = await balanceCents(accountId);
    const ready = await settle(key, (await createBatch(key, body())).id);
    expect((await api(key, `/v1/batches/${ready.id}/purchase`, { body: {} })).status).toBe(202);
    const done = await waitFor(key, ready.id, isFinal);
    expect(done).toMatchObject({ status: "completed", counts: { purchased: 3 } });
    expect(await balanceCents(accountId)).toBe(before - cents(done.total_amount));
    expect(done.customs_forms).toEqual([{ url: expect.any(String), count: 2, first_position: 1, last_position: 2 }]);
    // The signed link opens without a key: two pages, one a shipment abroad.
    const link = new URL(done.customs_forms[0].url);
    const served = await exports.default.fetch(new Request(`https://api.test${link.pathname}${link.search}`));
    expect([served.status, served.headers.get("content-type")]).toEqual([200, "application/pdf"]);
    const doc = await PDFDocument.load(new Uint8Array(await served.arrayBuffer()));
    expect(doc.getPageCount()).toBe(2);
    // Another account cannot see them; a wrong file number is 404.
    const other = await newAccount();
    expect((await api(other.key, `/v1/batches/${done.id}/customs_forms/1`)).status).toBe(404);
    expect((await api(key, `/v1/batches/${done.id}/customs_forms/2`)).status).toBe(404);

    const forms = (await api(key, `/v1/batches/${done.id}/scan_form`, { method: "POST" })).json.scan_forms;
    expect(forms.map((f: any) => [f.carrier, f.shipment_count])).toEqual([["usps", 2]]);

    const [ca] = done.shipments.data;
    const voided = await api(key, `/v1/batches/${done.id}/shipments/${ca.id}/void`, { method: "POST" });
    expect(voided.json.status).toBe("voided");
    expect(await balanceCents(accountId)).toBe(before - cents(done.total_amount) + cents(ca.charged_amount));
  });
});
