// The EasyPost adapter against the answers EasyPost really gives (its client libraries' recorded
// traffic): the mapping table and readers against fixtures in those shapes (test/fixtures/easypost),
// then whole live batches against the stand-in answering the same way: fees and insurance, carriers
// named after EasyPost's own accounts, verification that fails with a 201, SCAN forms made later or
// failed, refunds decided later, test-mode keys, string error lists, PNG labels.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { readError } from "../../src/carriers/easypost/client";
import { chargedFees, providerErrors, verificationErrors, verifiedAddress } from "../../src/carriers/easypost/index";
import { carrierFamily, refundStatusOf, scanFormStatusOf, serviceFor } from "../../src/carriers/easypost/mapping";
import { nextRefundCheck, REFUND_FOLLOW_MS } from "../../src/batch/recovery";
import { MERCHANT_ACCOUNTS } from "../../src/carriers/easypost/standin";
import { callsSince, standIn } from "../easypost";
import { address, api, balanceCents, cents, countRows, createBatch, isFinal, newAccount, passTime, shipment, waitFor, shipmentRow, inBatch } from "../helpers";
import bought from "../fixtures/easypost/bought-with-default-insurance.json";
import billedRates from "../fixtures/easypost/rates-easypost-billed.json";
import failedVerification from "../fixtures/easypost/verification-failed.json";
import corrected from "../fixtures/easypost/verification-corrected.json";
import forms from "../fixtures/easypost/scan-forms.json";
import errorBodies from "../fixtures/easypost/errors.json";
import international from "../fixtures/easypost/international.json";

afterEach(() => {
  vi.restoreAllMocks();
  standIn.restoreDefaults();
});

const purchase = (key: string, id: string, body: object = {}) => api(key, `/v1/batches/${id}/purchase`, { body });

async function provider(shipmentId: string) {
  const row = await shipmentRow(shipmentId);
  return standIn.shipments.get(row.provider_shipment_id)!;
}

async function liveBatch(shipments: Record<string, unknown>[], balance = "100000.00") {
  const acct = await newAccount(balance, "live");
  const b = await createBatch(acct.key, { shipments: shipments.map((s) => shipment(s)) });
  return { ...acct, b: await waitFor(acct.key, b.id, (x) => x.status !== "validating") };
}

async function bought1(over: Record<string, unknown> = {}, balance?: string) {
  const live = await liveBatch([over], balance);
  expect(live.b.status).toBe("ready");
  await purchase(live.key, live.b.id);
  return { ...live, done: await waitFor(live.key, live.b.id, isFinal) };
}

describe("EasyPost's recorded shapes, read by the adapter", () => {
  it("fees: the charge is the sum of the charged fees, five decimals to the cent, insurance included", () => {
    expect(chargedFees(bought as any)).toEqual([{ type: "LabelFee", cents: 0 }, { type: "PostageFee", cents: 507 }, { type: "InsuranceFee", cents: 50 }]);
    expect(chargedFees({ ...bought, fees: [...bought.fees, { type: "PostageFee", amount: "1.00000", charged: true, refunded: true }] } as any).reduce((a, f) => a + f.cents, 0)).toBe(557);
    // No fees at all: the selected rate stands.
    expect(chargedFees({ fees: [], selected_rate: bought.selected_rate } as any)).toEqual([{ type: "PostageFee", cents: 507 }]);
  });

  it("carriers: every UPS and FedEx account type is its family; services map through one table; carriers we do not sell are left out", () => {
    expect(billedRates.rates.map((r) => serviceFor(r))).toEqual([
      "usps_priority", "ups_ground", "ups_next_day_air", "fedex_ground", "fedex_2day", "ups_2nd_day_air", "fedex_standard_overnight", undefined,
    ]);
    expect(billedRates.messages.map((m) => carrierFamily(m.carrier))).toEqual(["ups"]);
    expect(["UPS", "UPSDAP", "upsdap", "FedEx", "FedExDefault", "USPS", "DhlEcs"].map(carrierFamily)).toEqual(["ups", "ups", "ups", "fedex", "fedex", "usps", undefined]);
  });

  it("verification: a failed delivery check is EasyPost's words under the fields it names; a corrected address is shown, a case-only change is not", () => {
    expect(verificationErrors(failedVerification.verifications.delivery)).toEqual({
      to_address: ["EasyPost: Address not found"], "to_address.street1": ["EasyPost: House number is missing"],
    });
    expect(verifiedAddress(corrected.sent, corrected.verified)).toMatchObject({ street1: "388 TOWNSEND ST APT 20", street2: null, zip: "94107-1670", city: "SAN FRANCISCO", name: "Jack Sparrow" });
    expect(verifiedAddress(corrected.sent, { ...corrected.sent, street1: "388 TOWNSEND ST", city: "san francisco" } as any)).toBeNull();
  });

  it("errors: both error formats keep EasyPost's words; a message list is joined", () => {
    expect(readError(422, errorBodies.objects)).toEqual({ status: 422, code: "PARAMETER.REQUIRED", message: "Missing required parameter.", errors: [{ field: "shipment", message: "cannot be blank" }] });
    const strings = readError(404, errorBodies.strings);
    expect(strings.errors).toEqual([{ message: "No eligible insurance found with provided tracking code." }]);
    expect(providerErrors(strings)).toEqual({ shipment: ["EasyPost: The requested resource could not be found. (No eligible insurance found with provided tracking code.)"] });
    expect(readError(422, errorBodies.message_list).message).toBe("Error1, Error2");
  });

  it("statuses: SCAN forms and refunds through the table; a refund is followed for at least 30 days", () => {
    expect([forms.creating, forms.created, forms.failed].map((f) => scanFormStatusOf(f.status))).toEqual(["generating", "ready", "failed"]);
    expect(["submitted", "refunded", "rejected", "not_applicable", "weird", null].map(refundStatusOf)).toEqual(["submitted", "refunded", "rejected", "not_applicable", null, null]);
    const at = Date.parse("2026-12-01T00:00:00Z");
    const checks: number[] = [];
    for (let t: number | null = at; (t = nextRefundCheck(at, t!)) !== null;) checks.push(t);
    expect(checks.slice(0, 3).map((t) => (t - at) / 3_600_000)).toEqual([1, 6, 24]);
    expect((checks.at(-1)! - at) / 86_400_000).toBeGreaterThanOrEqual(30);
    expect(checks.at(-1)! - at).toBeLessThanOrEqual(REFUND_FOLLOW_MS);
  });
});

describe("the merchant pays what EasyPost bills", () => {
  it("an account whose defaults insure: the buy says insurance 0, so no InsuranceFee; the debit is the rate", async () => {
    standIn.options.defaultInsurance = "50.00";
    const { id, done } = await bought1();
    const [s] = done.shipments.data;
    const buy = standIn.calls.filter((c) => c.path.endsWith("/buy")).at(-1)!;
    expect(buy.body).toMatchObject({ insurance: 0 });
    expect((await provider(s.id)).fees.map((f: any) => f.type)).toEqual(["LabelFee", "PostageFee"]);
    expect(s).toMatchObject({ charged_amount: s.rate.amount, charge_differs: false, insurance_amount: null, fees: [{ type: "LabelFee", amount: "0.00" }, { type: "PostageFee", amount: s.rate.amount }] });
    expect(await balanceCents(id)).toBe(10_000_000 - cents(s.rate.amount));
  });

  it("insurance_amount is quoted before buying, bought, and debited as EasyPost charged it", async () => {
    const live = await liveBatch([{ insurance_amount: "100.00" }]);
    const [quoted] = live.b.shipments.data;
    expect(quoted.rate).toMatchObject({ insurance_fee: "1.00", total_amount: formatSum(quoted.rate.amount, "1.00") });
    expect(live.b.rate_summary[0].amount).toBe(quoted.rate.total_amount);
    await purchase(live.key, live.b.id);
    const done = await waitFor(live.key, live.b.id, isFinal);
    const [s] = done.shipments.data;
    expect(standIn.calls.filter((c) => c.path.endsWith("/buy")).at(-1)!.body).toMatchObject({ insurance: "100.00" });
    expect(s).toMatchObject({ insurance_amount: "100.00", charged_amount: quoted.rate.total_amount, charge_differs: false });
    expect(s.fees).toContainEqual({ type: "InsuranceFee", amount: "1.00" });
    expect(done.total_amount).toBe(quoted.rate.total_amount);
    expect(await balanceCents(live.id)).toBe(10_000_000 - cents(quoted.rate.total_amount));
  });

  it("a charge that differs from the rate shown is debited to the cent, and the shipment, the batch total and the ledger say so", async () => {
    standIn.surcharge([{ type: "LabelFee", amount: 0.25 }]);
    const { id, done } = await bought1();
    const [s] = done.shipments.data;
    expect(s).toMatchObject({ charged_amount: formatSum(s.rate.amount, "0.25"), charge_differs: true });
    expect(done.total_amount).toBe(s.charged_amount);
    expect(await balanceCents(id)).toBe(10_000_000 - cents(s.charged_amount));
    expect(await env.DB.prepare("SELECT cents FROM ledger WHERE shipment_id = ? AND kind = 'adjustment'").bind(s.id).first("cents")).toBe(25);
  });

  it("more than the balance can cover: the label is given back to EasyPost and nothing is charged", async () => {
    standIn.surcharge([{ type: "LabelFee", amount: 500 }]);
    const { id, done } = await bought1({}, "100.00");
    const [s] = done.shipments.data;
    expect(s).toMatchObject({ status: "purchase_failed", message: expect.stringMatching(/more than the .* shown.*voided/) });
    expect((await provider(s.id)).refund_status).toBe("submitted");
    expect(await balanceCents(id)).toBe(10_000);
  });
});

describe("every carrier EasyPost offers", () => {
  it("EasyPost-billed UPSDAP and FedExDefault rates serve ups_* and fedex_* shipments, and rate shopping sees them", async () => {
    const { b } = await liveBatch([{ service: "ups_ground" }, { service: "fedex_2day" }, { service: "cheapest", carriers: ["ups", "fedex"] }]);
    expect(b.status).toBe("ready");
    for (const s of b.shipments.data) {
      const p = await provider(s.id);
      const rate = p.rates.find((r) => serviceFor(r) === s.service)!;
      expect(["UPSDAP", "FedExDefault"]).toContain(rate.carrier);
      expect(s.rate.amount).toBe(rate.rate);
    }
    const cheapest = (await provider(b.shipments.data[2].id)).rates.filter((r) => r.carrier !== "USPS").sort((x, y) => Number(x.rate) - Number(y.rate))[0];
    expect(b.shipments.data[2].service).toBe(serviceFor(cheapest));
  });

  it("merchant-owned UPS and FedEx accounts rate the same services; EASYPOST_CARRIER_ACCOUNTS limits rating to the platform's accounts", async () => {
    standIn.options.accounts = MERCHANT_ACCOUNTS;
    const { b } = await liveBatch([{ service: "ups_2nd_day_air" }]);
    expect(b.shipments.data[0]).toMatchObject({ status: "valid", carrier: "ups" });
    const { easypostCarrier } = await import("../../src/carriers/easypost");
    const limited = easypostCarrier({ ...env, EASYPOST_CARRIER_ACCOUNTS: "ca_usps_standin, ca_fedex_merchant" } as Env, env.DB);
    const [rating] = await limited.rateWithProvider!([{ from: address({ zip: "89501", state: "NV", city: "Reno" }) as any, to: address() as any, parcel: { weight_oz: 16, length_in: 10, width_in: 8, height_in: 4 }, reference: null, now: new Date().toISOString() }]);
    expect(standIn.calls.at(-1)!.body.shipment.carrier_accounts).toEqual(["ca_usps_standin", "ca_fedex_merchant"]);
    expect(rating.ok && new Set(rating.alternatives.map((a) => a.service.split("_")[0]))).toEqual(new Set(["usps", "fedex"]));
  });
});

describe("no label for an undeliverable address", () => {
  it("live: shipments are created with delivery verification; a failed one is invalid with EasyPost's words; a corrected one shows what EasyPost verified and prints", async () => {
    const { key, b } = await liveBatch([
      { to_address: address({ street1: "000 unknown street" }) },
      { to_address: address({ street1: "Main Street" }) },
      { to_address: address({ street1: "12 Main street" }) },
    ]);
    expect(standIn.calls.filter((c) => c.path === "/shipments").slice(-3).every((c) => c.body.shipment.to_address.verify === true)).toBe(true);
    expect(b.status).toBe("invalid");
    const [bad, nohouse, ok] = b.shipments.data;
    expect(bad).toMatchObject({ status: "invalid", errors: { to_address: ["EasyPost: Address not found"] } });
    expect(nohouse).toMatchObject({ status: "invalid", errors: { "to_address.street1": ["EasyPost: House number is missing"] } });
    expect(ok).toMatchObject({ status: "valid", to_address: { street1: "12 Main street", zip: "62701" }, verified_to_address: { street1: "12 MAIN ST", zip: expect.stringMatching(/^62701-\d{4}$/) } });
    await purchase(key, b.id, { skip_invalid: true });
    const done = await waitFor(key, b.id, (x) => isFinal(x) && x.labels.length === 1);
    expect(done.counts).toMatchObject({ purchased: 1 });
    // The label is EasyPost's, bought on the shipment that holds the verified address.
    expect((await provider(ok.id)).to_address).toMatchObject({ street1: "12 MAIN ST", zip: ok.verified_to_address.zip });
  });

  it("test mode is not more forgiving: a ZIP that does not exist or is in another state is an error; a city not of its ZIP is a warning only", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: [
      shipment({ to_address: address({ zip: "00001" }) }),
      shipment({ to_address: address({ zip: "10001" }) }),
      shipment({ to_address: address({ city: "Not A City" }) }),
    ] });
    const done = await waitFor(key, b.id, (x) => x.status !== "validating");
    const [missing, elsewhere, city] = done.shipments.data;
    expect(missing.errors).toEqual({ "to_address.zip": ["ZIP code 00001 does not exist"] });
    expect(elsewhere.errors).toEqual({ "to_address.zip": ["ZIP code 10001 is in NY, not IL"] });
    expect(city).toMatchObject({ status: "valid", errors: null, warnings: { "to_address.city": [expect.stringMatching(/Not A City .*62701.*Springfield, IL/)] } });
  });
});

describe("SCAN forms finish", () => {
  async function liveBought(n: number) {
    const live = await liveBatch(Array.from({ length: n }, () => ({})));
    await purchase(live.key, live.b.id);
    return { ...live, done: await waitFor(live.key, live.b.id, isFinal) };
  }

  it("a creating form is followed with GET /scan_forms/{id} until created; asking again sends no shipment twice", async () => {
    standIn.options.scanFormGets = 2;
    const { key, done } = await liveBought(2);
    const mark = standIn.calls.length;
    const posted = await api(key, `/v1/batches/${done.id}/scan_form`, { method: "POST" });
    expect(posted.json.scan_forms).toEqual([expect.objectContaining({ status: "generating", url: null, message: null })]);
    const ready = await waitFor(key, done.id, (x) => x.scan_forms.every((f: any) => f.status === "ready"), 30_000);
    const calls = callsSince(mark);
    expect(calls.filter((c) => c === "POST /scan_forms")).toHaveLength(1);
    expect(calls.filter((c) => /^GET \/scan_forms\/sf_/.test(c)).length).toBeGreaterThanOrEqual(2);
    const again = await api(key, `/v1/batches/${done.id}/scan_form`, { method: "POST" });
    expect(again.json.scan_forms.map((f: any) => f.id)).toEqual(ready.scan_forms.map((f: any) => f.id));
    await new Promise((r) => setTimeout(r, 300));
    expect(callsSince(mark).filter((c) => c === "POST /scan_forms")).toHaveLength(1);
  });

  it("a label dated before the form's day: the form is failed with EasyPost's message and never sent again by itself", async () => {
    const { key, done } = await liveBought(1);
    standIn.backdate((await provider(done.shipments.data[0].id)).id, 2);
    const mark = standIn.calls.length;
    await api(key, `/v1/batches/${done.id}/scan_form`, { method: "POST" });
    const failed = await waitFor(key, done.id, (x) => x.scan_forms.every((f: any) => f.status !== "generating"));
    expect(failed.scan_forms).toEqual([expect.objectContaining({ status: "failed", url: null, message: expect.stringMatching(/^EasyPost: .*before the manifest date/) })]);
    await passTime(done.id, 600_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(callsSince(mark).filter((c) => c === "POST /scan_forms")).toHaveLength(1);
  });

  it("a POST that may have reached EasyPost before a crash is looked up, not sent again", async () => {
    const { key, done } = await liveBought(1);
    const p = await provider(done.shipments.data[0].id);
    // The first attempt's POST reached EasyPost; its answer was lost with the consumer.
    await standIn.handle(new Request("https://easypost.test/v2/scan_forms", { method: "POST", headers: { authorization: "Bearer EZAK_standin_live" }, body: JSON.stringify({ shipments: [{ id: p.id }] }) }));
    const lost = vi.spyOn(env.LABEL_QUEUE, "send").mockResolvedValue(undefined as never);
    await api(key, `/v1/batches/${done.id}/scan_form`, { method: "POST" });
    lost.mockRestore();
    const row = await inBatch(done.id, (db) => db.prepare("SELECT scan_form FROM batches WHERE id = ?").bind(done.id).first<{ scan_form: string }>());
    const stored = JSON.parse(row!.scan_form).map((f: any) => ({ ...f, posted: true }));
    await inBatch(done.id, (db) => db.prepare("UPDATE batches SET scan_form = ? WHERE id = ?").bind(JSON.stringify(stored), done.id).run());
    const mark = standIn.calls.length;
    const batch = createMessageBatch("batch-labels", [{ id: "sf-retry", timestamp: new Date(), attempts: 2, body: { kind: "scan_forms", batch_id: done.id, form_ids: stored.map((f: any) => f.id) } }]);
    await worker.queue(batch as MessageBatch, env);
    await getQueueResult(batch, createExecutionContext());
    const ready = await waitFor(key, done.id, (x) => x.scan_forms.every((f: any) => f.status === "ready"), 30_000);
    expect(ready.scan_forms).toHaveLength(1);
    expect(callsSince(mark)).toContain(`GET /shipments/${p.id}`);
    expect(callsSince(mark).filter((c) => c === "POST /scan_forms")).toEqual([]);
  });
});

describe("mode, errors and documents", () => {
  it("a live account served with an EasyPost test key buys nothing: every purchase says so, nothing is charged", async () => {
    const { easypostCarrier } = await import("../../src/carriers/easypost");
    const carrier = easypostCarrier({ ...env, EASYPOST_API_KEY: "EZTK_sometestkey" } as Env, env.DB);
    expect(carrier.cannotBuy).toMatch(/test key/);
    const live = await liveBatch([{}]);
    const carriers = await import("../../src/carriers");
    const real = carriers.carrierFor;
    vi.spyOn(carriers, "carrierFor").mockImplementation((e, mode, books) => real(mode === "live" ? { ...e, EASYPOST_API_KEY: "EZTK_sometestkey" } as Env : e, mode, books));
    const mark = standIn.calls.length;
    await purchase(live.key, live.b.id);
    const done = await waitFor(live.key, live.b.id, isFinal);
    expect(done).toMatchObject({ status: "purchase_failed", total_amount: "0.00" });
    expect(done.shipments.data[0].message).toMatch(/EasyPost key .* is a test key/);
    expect(callsSince(mark).filter((c) => c.endsWith("/buy"))).toEqual([]);
    expect(await balanceCents(live.id)).toBe(10_000_000);
    expect(await countRows("ledger", "shipment_id = ?", done.shipments.data[0].id)).toBe(0);
  });

  it("an answer in test mode is never kept: the label is given back, the purchase fails, nothing is charged", async () => {
    standIn.options.mode = "test";
    const { id, done } = await bought1();
    const [s] = done.shipments.data;
    expect(s).toMatchObject({ status: "purchase_failed", message: expect.stringMatching(/test key/) });
    expect((await provider(s.id)).refund_status).toBe("submitted");
    expect(await balanceCents(id)).toBe(10_000_000);
  });

  it("string error lists keep EasyPost's words in the shipment's message", async () => {
    standIn.inject({ method: "POST", path: "/buy$", status: 422, code: "SHIPMENT.INVALID", message: "Unable to buy this shipment.", string_errors: ["The carrier refused the parcel's dimensions."] });
    const { done } = await bought1();
    expect(done.shipments.data[0].message).toBe("EasyPost: Unable to buy this shipment. (The carrier refused the parcel's dimensions.)");
  });

  it("a PNG label is converted through EasyPost before the purchase is reported; what is stored is a PDF", async () => {
    standIn.options.pngLabels = true;
    const { done } = await bought1();
    const [s] = done.shipments.data;
    const p = await provider(s.id);
    expect(p.postage_label!.label_file_type).toBe("image/png");
    expect(standIn.calls.some((c) => c.path === `/shipments/${p.id}/label`)).toBe(true);
    const stored = await env.LABELS.get(`labels/${done.id}/${s.id}.pdf`);
    expect(new TextDecoder().decode((await stored!.arrayBuffer()).slice(0, 5))).toBe("%PDF-");
  });
});

function formatSum(a: string, b: string) {
  const c = cents(a) + cents(b);
  return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, "0")}`;
}

describe("international shipments, live", () => {
  const intl = (over: Record<string, unknown> = {}) => ({
    service: "ups_worldwide_saver", to_address: { name: "Jürgen Weiß", street1: "Unter den Linden 77", city: "Berlin", zip: "10117", country: "DE", phone: "+49 30 22610" },
    parcel: { weight_oz: 32, length_in: 10, width_in: 8, height_in: 4 },
    customs: { contents_type: "merchandise", signer: "Grace Hopper", incoterm: "DDP", items: [{ description: "Cotton T-shirt", quantity: 2, value: "30.00", weight_oz: 12, hs_tariff_number: "6109.10", origin_country: "US" }] },
    ...over,
  });

  it("the mapping table reads EasyPost's international rates; our declaration goes out in its customs_infos shape", async () => {
    expect(international.rates_abroad.map((r) => serviceFor(r))).toEqual([
      "usps_priority_express_international", "usps_first_class_international", "usps_priority_international", "ups_worldwide_expedited",
      "ups_worldwide_saver", "fedex_international_economy", "fedex_international_priority", undefined,
    ]);
    const { customsInfo } = await import("../../src/carriers/easypost/index");
    const sent = customsInfo({ contents_type: "merchandise", contents_explanation: null, incoterm: "DDU", eel_pfc: "NOEEI 30.37(a)", itn: null, non_delivery_option: "return", signer: "Grace Hopper",
      items: [{ description: "Cotton T-shirt", quantity: 2, value: "30.00", weight_oz: 12, hs_tariff_number: "6109.10", origin_country: "US" }] });
    expect(sent).toEqual(international.customs_info_request.customs_info);
  });

  it("rates and buys abroad through EasyPost: customs_info and the incoterm go with the shipment; the commercial invoice EasyPost made is merged into customs_forms", async () => {
    const { key, b } = await liveBatch([intl(), intl({ service: "usps_priority_international", to_address: { name: "Tom Thomson", street1: "290 Bremner Blvd", city: "Toronto", state: "ON", zip: "M5V 3L9", country: "CA" } })]);
    expect(b.shipments.data.map((s: any) => [s.status, s.errors])).toEqual([["valid", null], ["valid", null]]);
    const created = standIn.calls.filter((c) => c.method === "POST" && c.path === "/shipments").slice(-2).map((c) => c.body.shipment);
    const de = created.find((s) => s.to_address.country === "DE")!;
    expect(de.customs_info).toEqual({ ...international.customs_info_request.customs_info });
    expect(de.options.incoterm).toBe("DDP");
    expect(de.to_address.verify).toBeUndefined();
    expect(created.find((s) => s.to_address.country === "CA")!.customs_info.eel_pfc).toBe("NOEEI 30.36");
    const mark = standIn.calls.length;
    expect((await purchase(key, b.id)).status).toBe(202);
    const done = await waitFor(key, b.id, isFinal);
    expect(done).toMatchObject({ status: "completed", counts: { purchased: 2 } });
    const [deShipment, caShipment] = done.shipments.data;
    expect(caShipment.tracking_number).toMatch(/^CP\d{9}US$/);
    expect((await provider(deShipment.id)).forms[0].form_type).toBe("commercial_invoice");
    expect(callsSince(mark).filter((c) => c.startsWith("GET /files/form/"))).toHaveLength(1);
    expect(done.customs_forms).toEqual([{ url: expect.any(String), count: 2, first_position: 1, last_position: 2 }]);
    const link = new URL(done.customs_forms[0].url);
    const res = await exports.default.fetch(new Request(`https://api.test${link.pathname}${link.search}`));
    expect(res.status).toBe(200);
    // EasyPost's invoice for the UPS shipment (the stand-in's 4x6 page), ours (a CN 23, letter) for the USPS one.
    const { PDFDocument } = await import("pdf-lib");
    const merged = await PDFDocument.load(new Uint8Array(await res.arrayBuffer()));
    expect(merged.getPages().map((p) => [p.getWidth(), p.getHeight()])).toEqual([[288, 432], [612, 792]]);
  });
});
