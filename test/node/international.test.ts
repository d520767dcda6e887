// An international batch bought end to end on `wrangler dev`, and judged by tools we did not write:
// zbar decodes every barcode of poppler's 203 dpi rendering, ts-tracking-number accepts every tracking
// number (UPU S10, UPS 1Z, FedEx), pdftotext reads the label's country line and CN 22 block, and the
// customs documents' items and totals.
import { getTracking } from "ts-tracking-number";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "../browser/server";
import { decode, pdfPages, pdfText } from "./tools";

const PORT = Number(process.env.INTL_TEST_PORT ?? 8796);
const from = { name: "Acme Warehouse", street1: "500 Dock Rd", city: "Reno", state: "NV", zip: "89501", country: "US" };
const item = (description: string, quantity: number, value: string, weight_oz: number, hs: string, origin: string) =>
  ({ description, quantity, value, weight_oz, hs_tariff_number: hs, origin_country: origin });
const TO = [
  { country: "CA", name: "CANADA", service: "usps_first_class_international", to: { name: "Tom Thomson", street1: "290 Bremner Blvd", city: "Toronto", state: "ON", zip: "M5V 3L9", country: "CA" } },
  { country: "GB", name: "UNITED KINGDOM", service: "usps_priority_international", to: { name: "Ada King", street1: "10 Downing Street", city: "London", zip: "SW1A 2AA", country: "GB" } },
  { country: "DE", name: "GERMANY", service: "usps_priority_express_international", to: { name: "Jürgen Weiß", street1: "Unter den Linden 77", city: "Berlin", zip: "10117", country: "DE" } },
  { country: "JP", name: "JAPAN", service: "ups_worldwide_saver", to: { name: "Sato Hanako", street1: "1-1 Chiyoda", city: "Chiyoda-ku", state: "Tokyo", zip: "100-8111", country: "JP", phone: "+81 3 3213 1111" } },
  { country: "AU", name: "AUSTRALIA", service: "ups_worldwide_expedited", to: { name: "Kylie Brown", street1: "Bennelong Point", city: "Sydney", state: "NSW", zip: "2000", country: "AU", phone: "+61 2 9250 7111" } },
  { country: "BR", name: "BRAZIL", service: "fedex_international_priority", to: { name: "João Silva", street1: "Av. Paulista 1578", city: "São Paulo", state: "SP", zip: "01310-200", country: "BR", phone: "+55 11 3149 5959" } },
  { country: "HK", name: "HONG KONG", service: "fedex_international_economy", to: { name: "Chan Tai Man", street1: "1 Harbour Road", city: "Wan Chai", country: "HK", phone: "+852 2582 8888" } },
];

describe("an international batch, bought end to end", () => {
  let server: DevServer;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.base}${path}`, { ...init, headers: { authorization: `Bearer ${server.key}`, ...(init.body ? { "content-type": "application/json" } : {}) } });
    return { status: res.status, json: (await res.json()) as any };
  };
  const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

  // The browser tests' throw-away `wrangler dev` (its own state, port and account).
  beforeAll(async () => { server = await startDevServer(PORT, "5000.00"); });
  afterAll(() => server?.stop());

  it("buys seven destinations on seven services; labels scan, numbers validate, and the customs documents list every item and total", async () => {
    const created = await call("/v1/batches", {
      method: "POST",
      body: JSON.stringify({
        reference: "intl-e2e", customs_defaults: { signer: "Grace Hopper", contents_type: "merchandise", incoterm: "DDU" },
        shipments: TO.map((t, i) => ({
          reference: `intl-${t.country}`, service: t.service, from_address: from, to_address: t.to,
          parcel: { weight_oz: 40, length_in: 10, width_in: 8, height_in: 4 },
          customs: { items: [item("Cotton T-shirt", 2, "30.00", 12, "6109.10", "US"), item(`Ceramic mug ${i + 1}`, 1, "12.50", 10, "6912.00", "PT")] },
        })),
      }),
    });
    expect(created.status).toBe(202);
    let batch: any;
    for (let i = 0; i < 200; i++) {
      batch = (await call(`/v1/batches/${created.json.id}`)).json;
      if (batch.status !== "validating") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(batch.shipments.data.map((s: any) => [s.reference, s.status, s.errors])).toEqual(TO.map((t) => [`intl-${t.country}`, "valid", null]));
    const amount = batch.rate_summary.reduce((a: number, r: any) => a + Math.round(Number(r.amount) * 100), 0);
    const expected = `${Math.floor(amount / 100)}.${String(amount % 100).padStart(2, "0")}`;
    expect((await call(`/v1/batches/${batch.id}/purchase`, { method: "POST", body: JSON.stringify({ expected_amount: expected }) })).status).toBe(202);
    for (let i = 0; i < 300; i++) {
      batch = (await call(`/v1/batches/${batch.id}`)).json;
      if (batch.status === "completed") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(batch).toMatchObject({ status: "completed", counts: { purchased: TO.length }, total_amount: expected });
    const shipments = batch.shipments.data;

    // Each tracking number in its carrier's international format, accepted by an independent validator.
    for (const [i, s] of shipments.entries()) {
      const found = getTracking(s.tracking_number);
      expect(found, s.tracking_number).toBeDefined();
      const courier = found!.courier.code;
      if (TO[i].service.startsWith("usps_")) {
        expect(s.tracking_number).toMatch(/^[A-Z]{2}\d{9}US$/);
        expect(courier).toBe("s10");
      } else expect(courier).toBe(TO[i].service.split("_")[0]);
    }

    // The merged labels: every barcode decodes to its tracking number at 203 dpi; each label ends its
    // address with the country's name in capitals; USPS First-Class and Priority International carry CN 22.
    expect(batch.labels).toHaveLength(1);
    const labels = await bytes(batch.labels[0].url);
    const pages = pdfPages(labels);
    expect(pages).toHaveLength(TO.length);
    pages.forEach((png, i) => expect(decode(png), TO[i].country).toEqual([shipments[i].tracking_number]));
    const text = pdfText(labels).split("\f");
    TO.forEach((t, i) => {
      const page = text[i];
      expect(page, t.country).toContain(t.name);
      const hasCn22 = ["usps_first_class_international", "usps_priority_international"].includes(t.service);
      expect(page.includes("CUSTOMS DECLARATION CN 22"), t.country).toBe(hasCn22);
      if (hasCn22) {
        expect(page).toContain("2 x Cotton T-shirt");
        expect(page).toMatch(/TOTAL 22 oz · \$42\.50 USD · DDU · NOEEI 30\.3(6|7\(a\))/);
        expect(page).toContain("Signed: Grace Hopper");
      }
    });
    // The country's own order: the postcode before the city in Germany, after it in Canada.
    expect(text[2]).toMatch(/10117 Berlin\s+GERMANY/);
    expect(text[0]).toMatch(/Toronto, ON M5V 3L9\s+CANADA/);

    // The customs documents: one page a shipment, merged as the batch's customs_forms.
    expect(batch.customs_forms).toEqual([{ url: expect.stringContaining(`/v1/batches/${batch.id}/customs_forms/1?`), count: TO.length, first_position: 1, last_position: TO.length }]);
    const forms = pdfText(await bytes(batch.customs_forms[0].url)).split("\f");
    TO.forEach((t, i) => {
      const page = forms[i];
      expect(page, t.country).toContain(t.service.startsWith("usps_") ? "CN 23 CUSTOMS DECLARATION" : "COMMERCIAL INVOICE");
      expect(page).toContain(shipments[i].tracking_number);
      expect(page).toContain(t.name);
      for (const s of ["Cotton T-shirt", `Ceramic mug ${i + 1}`, "6109.10", "6912.00", "30.00", "12.50", "Total value 42.50 USD", "Total weight 22 oz", "DDU", "Signer: Grace Hopper"]) {
        expect(page, `${t.country}: ${s}`).toContain(s);
      }
      expect(page).toContain(t.country === "CA" ? "NOEEI 30.36" : "NOEEI 30.37(a)");
    });
  });
});
