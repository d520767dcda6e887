// The live carrier: EasyPost's REST API (v2), configured by the secret EASYPOST_API_KEY and the vars
// EASYPOST_BASE_URL and EASYPOST_CARRIER_ACCOUNTS. Shipments are rated by creating the provider's
// shipment with its destination verified for delivery (its id is kept before anything is bought) and
// bought by rate id, never by the one-call create-and-buy, which a retry would repeat. EasyPost has no
// idempotency key, so exactly-once is ours: a buy that may already have reached the provider reads
// the shipment first and adopts the label it has; `SHIPMENT.POSTAGE.EXISTS` is read back the same way.
// What is debited is the fees EasyPost charged; a label sold in EasyPost's test mode is never kept.
import { parseAmount, parseProviderAmount } from "../../lib/money";
import type { StoredAddress } from "../../schemas/address";
import type { ShipmentErrors } from "../../schemas/shipment";
import { sandboxRate } from "../sandbox/rates";
import { byPrice, estimatedDelivery, type Alternative } from "../shopping";
import { findService } from "../services";
import type { CarrierAdapter, Fee, ProviderRating, ProviderTracker, PurchaseOutcome, PurchaseRequest, RatingRequest, ScanFormOutcome, VoidOutcome } from "../types";
import { EasyPostClient, type ProviderError } from "./client";
import { carrierFamily, CUSTOMS_FORM_TYPES, pickupStatusOf, refundStatusOf, scanFormStatusOf, serviceFor } from "./mapping";
import type { StoredCustoms } from "../../schemas/customs";

export const DEFAULT_EASYPOST_BASE_URL = "https://api.easypost.com/v2";
export const TEST_KEY_MESSAGE = "The EasyPost key configured for live labels is a test key (EasyPost answers in test mode): its labels cannot be mailed, so nothing was bought or charged. Configure a production key (EASYPOST_API_KEY).";

type EpRate = { id: string; carrier: string; service: string; rate: string; currency: string; delivery_days: number | null; est_delivery_days?: number | null };
type EpVerification = { success: boolean; errors?: { code?: string; field?: string; message?: string }[] };
type EpAddress = Partial<Record<"name" | "company" | "street1" | "street2" | "city" | "state" | "zip" | "country" | "phone" | "email", string | null>> & {
  verifications?: { delivery?: EpVerification; zip4?: EpVerification };
};
type EpFee = { type: string; amount: string; charged?: boolean; refunded?: boolean };
type EpShipment = {
  id: string; mode?: string; rates: EpRate[]; selected_rate: EpRate | null; tracking_code: string | null; refund_status: string | null;
  postage_label: { label_url?: string | null; label_pdf_url?: string | null; label_zpl_url?: string | null; label_epl2_url?: string | null } | null;
  messages?: { carrier?: string; message?: string }[]; fees?: EpFee[]; to_address?: EpAddress; scan_form?: { id: string } | null;
  forms?: { form_type?: string; form_url?: string | null }[];
};
type EpPickup = {
  id: string; status?: string; confirmation?: string | null; messages?: { carrier?: string; message?: string }[];
  pickup_rates?: { id: string; carrier: string; service: string; rate: string }[];
};
type EpScanForm = { id: string; status?: string; message?: string | null; form_url: string | null; mode?: string };

const address = (a: StoredAddress) => ({
  name: a.name, company: a.company, street1: a.street1, street2: a.street2, city: a.city, state: a.state, zip: a.zip,
  country: a.country, phone: a.phone, email: a.email,
});

/**
 * Our declaration in EasyPost's words (its recorded `customs_infos`): the signer certifies, values and
 * weights are numbers (a line's totals, as ours are), and nothing is restricted.
 */
export function customsInfo(c: StoredCustoms) {
  return {
    contents_type: c.contents_type, contents_explanation: c.contents_explanation ?? "", customs_certify: true, customs_signer: c.signer,
    eel_pfc: c.eel_pfc, non_delivery_option: c.non_delivery_option ?? "return", restriction_type: "none",
    customs_items: c.items.map((i) => ({
      description: i.description, quantity: i.quantity, value: Number(i.value), weight: i.weight_oz,
      hs_tariff_number: i.hs_tariff_number?.replace(/[.\s]/g, "") ?? null, origin_country: i.origin_country,
    })),
  };
}

const ADDRESS_FIELDS = ["street1", "street2", "city", "state", "zip", "country", "name", "company"] as const;

/** EasyPost's field name → our error path on the destination (`address`, or none, is the whole address). */
const destinationPath = (field: string | undefined) =>
  (field && (ADDRESS_FIELDS as readonly string[]).includes(field) ? `to_address.${field}` : "to_address");

/** The provider's refusal as a shipment's per-field errors: address problems on the address, the rest on the shipment. */
export function providerErrors(e: ProviderError): ShipmentErrors {
  if (e.code.startsWith("ADDRESS.") && e.errors.length) {
    const out: ShipmentErrors = {};
    for (const x of e.errors) (out[destinationPath(x.field?.replace(/^to_address\./, ""))] ??= []).push(`EasyPost: ${x.message}`);
    return out;
  }
  const text = `EasyPost: ${e.message}${e.errors.length ? ` (${e.errors.map((x) => [x.field, x.message].filter(Boolean).join(" ")).join("; ")})` : ""}`;
  return { [e.code.startsWith("ADDRESS.") ? "to_address" : "shipment"]: [text] };
}

/** A failed delivery verification as per-field errors, EasyPost's words under the fields it names. */
export function verificationErrors(v: EpVerification): ShipmentErrors {
  const out: ShipmentErrors = {};
  const errors = v.errors?.length ? v.errors : [{ message: "Address could not be verified for delivery" }];
  for (const e of errors) (out[destinationPath(e.field)] ??= []).push(`EasyPost: ${e.message ?? "Address could not be verified"}`);
  return out;
}

const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? "").trim().toUpperCase() === (b ?? "").trim().toUpperCase();

/** The destination as EasyPost verified it, when it differs from what was sent (letter case aside); null when unchanged. */
export function verifiedAddress(sent: StoredAddress, got: EpAddress | undefined): StoredAddress | null {
  if (!got) return null;
  const changed = (["street1", "street2", "city", "state", "zip"] as const).some((f) => !same(sent[f], got[f]));
  if (!changed) return null;
  const pick = (f: keyof StoredAddress) => (got[f as keyof EpAddress] as string | null | undefined) || null;
  return { ...sent, street1: pick("street1"), street2: pick("street2"), city: pick("city"), state: pick("state"), zip: pick("zip"), country: pick("country") ?? sent.country };
}

/** The fees a bought shipment was charged (and not refunded), in cents; without any, its selected rate. */
export function chargedFees(s: Pick<EpShipment, "fees" | "selected_rate">): Fee[] {
  const fees = (s.fees ?? []).filter((f) => f.charged !== false && !f.refunded).map((f) => ({ type: f.type, cents: parseProviderAmount(f.amount) }));
  if (fees.length) return fees;
  return s.selected_rate ? [{ type: "PostageFee", cents: parseProviderAmount(s.selected_rate.rate) }] : [];
}

const looksLike = (bytes: Uint8Array, format: "pdf" | "zpl" | "epl2") => {
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  // An EPL2 form starts by clearing the image buffer (N), a ZPL one with ^XA.
  return format === "epl2" ? /^N\s/.test(head) : head.startsWith(format === "pdf" ? "%PDF-" : "^XA");
};

export function easypostCarrier(env: Env, db: D1Database): CarrierAdapter {
  const client = new EasyPostClient(env.EASYPOST_BASE_URL || DEFAULT_EASYPOST_BASE_URL, env.EASYPOST_API_KEY!, Number(env.EASYPOST_CONCURRENCY) || 64);
  const accounts = (env.EASYPOST_CARRIER_ACCOUNTS ?? "").split(",").map((x) => x.trim()).filter(Boolean);
  // EasyPost's keys say their mode: EZTK… test, EZAK… production. Each answer's own `mode` is checked too.
  const testKey = /^EZTK/.test(env.EASYPOST_API_KEY ?? "");

  /** Our shipment ids (the idempotency keys) → the provider's shipment ids. */
  async function providerIds(keys: readonly string[]): Promise<Map<string, string>> {
    const { results } = await db.prepare("SELECT id, provider_shipment_id FROM shipments WHERE provider_shipment_id IS NOT NULL AND id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(keys)).all<{ id: string; provider_shipment_id: string }>();
    return new Map(results.map((r) => [r.id, r.provider_shipment_id]));
  }

  async function rateOne(r: RatingRequest): Promise<ProviderRating> {
    const res = await client.call<EpShipment>("POST", "/shipments", {
      shipment: {
        from_address: address(r.from),
        // EasyPost rates (and would sell) an undeliverable destination unless asked to verify it. Its
        // delivery verification is a US check; abroad our per-country rules stand (validate.ts).
        to_address: { ...address(r.to), ...(r.to.country === "US" ? { verify: true } : {}) },
        parcel: { weight: r.parcel.weight_oz, length: r.parcel.length_in, width: r.parcel.width_in, height: r.parcel.height_in },
        options: { label_format: "PDF", ...(r.customs ? { incoterm: r.customs.incoterm ?? "DDU" } : {}) }, ...(r.reference ? { reference: r.reference } : {}),
        ...(r.customs ? { customs_info: customsInfo(r.customs) } : {}),
        ...(accounts.length ? { carrier_accounts: accounts } : {}),
      },
    });
    if (!res.ok) return res.transient ? { ok: false, transient: true, message: res.error.message } : { ok: false, transient: false, errors: providerErrors(res.error) };
    const delivery = res.body.to_address?.verifications?.delivery;
    if (delivery && !delivery.success) return { ok: false, transient: false, errors: verificationErrors(delivery) };
    // The provider's rates for the services we sell, by carrier family, with its delivery days (no extra call).
    const alternatives: Alternative[] = [];
    for (const rate of res.body.rates ?? []) {
      const service = serviceFor(rate);
      if (!service) continue;
      const days = rate.delivery_days ?? rate.est_delivery_days ?? findService(service)!.delivery_days;
      alternatives.push({ service, cents: parseAmount(rate.rate), delivery_days: days, estimated_delivery_date: estimatedDelivery(r.now, days), provider_rate_id: rate.id });
    }
    const notes = (res.body.messages ?? []).map((m) => ({ carrier: carrierFamily(m.carrier) ?? m.carrier ?? "", message: m.message ?? "" }));
    return {
      ok: true, provider_shipment_id: res.body.id, alternatives: alternatives.sort(byPrice), currency: "USD", notes,
      verified_to: verifiedAddress(r.to, res.body.to_address),
    };
  }

  /** A label document, checked to be what it claims: a PNG (or anything else) is converted by EasyPost, never stored as a PDF. */
  async function document(s: EpShipment): Promise<{ ok: true; body: Uint8Array } | { ok: false; message: string }> {
    const direct = s.postage_label?.label_pdf_url;
    if (direct) {
      const doc = await client.file(direct);
      if (doc.ok && looksLike(doc.body, "pdf")) return { ok: true, body: doc.body };
      if (!doc.ok) return { ok: false, message: doc.error.message };
    }
    const converted = await client.call<EpShipment>("GET", `/shipments/${s.id}/label?file_format=PDF`);
    if (!converted.ok) return { ok: false, message: `EasyPost could not convert the label to PDF: ${converted.error.message}` };
    const url = converted.body.postage_label?.label_pdf_url;
    if (!url) return { ok: false, message: "EasyPost returned no PDF label" };
    const doc = await client.file(url);
    if (!doc.ok) return { ok: false, message: doc.error.message };
    if (!looksLike(doc.body, "pdf")) return { ok: false, message: "EasyPost's PDF label is not a PDF" };
    return { ok: true, body: doc.body };
  }

  /** A bought provider shipment as our outcome: its label document is fetched once, here. */
  async function adopt(s: EpShipment): Promise<PurchaseOutcome> {
    if (s.mode === "test") {
      // Sold in EasyPost's test mode: unmailable. Given back at once; the purchase fails, nothing is charged.
      await client.call("POST", `/shipments/${s.id}/refund`);
      return { ok: false, transient: false, message: TEST_KEY_MESSAGE };
    }
    if (!s.postage_label || !s.tracking_code || !s.selected_rate) return { ok: false, transient: true, message: "EasyPost has not finished the label yet" };
    const doc = await document(s);
    if (!doc.ok) return { ok: false, transient: true, message: doc.message };
    // A customs document EasyPost made with the label (UPS and FedEx abroad: a commercial invoice) is kept too.
    const form = (s.forms ?? []).find((f) => f.form_type && CUSTOMS_FORM_TYPES.includes(f.form_type) && f.form_url);
    let customs: Uint8Array | undefined;
    if (form) {
      const got = await client.file(form.form_url!);
      if (!got.ok) return { ok: false, transient: true, message: got.error.message };
      if (!looksLike(got.body, "pdf")) return { ok: false, transient: true, message: "EasyPost's customs form is not a PDF" };
      customs = got.body;
    }
    return { ok: true, tracking_number: s.tracking_code, document: doc.body, fees: chargedFees(s), ...(customs ? { customs_document: customs } : {}) };
  }

  async function buyOne(r: PurchaseRequest): Promise<PurchaseOutcome> {
    const id = r.provider_shipment_id;
    if (!id || !r.provider_rate_id) return { ok: false, transient: false, message: "This shipment was not rated by EasyPost; edit it to rate it again." };
    if (r.buy_started || r.attempt > 1) {
      const seen = await client.call<EpShipment>("GET", `/shipments/${id}`);
      if (!seen.ok) return { ok: false, transient: true, message: seen.error.message };
      if (seen.body.postage_label) return adopt(seen.body);
    }
    // Insurance only when the shipment asks for it: 0 keeps an account's default insurance off the label.
    const insurance = r.insurance_cents ? (r.insurance_cents / 100).toFixed(2) : 0;
    const res = await client.call<EpShipment>("POST", `/shipments/${id}/buy`, { rate: { id: r.provider_rate_id }, insurance });
    if (res.ok) return adopt(res.body);
    if (res.error.code === "SHIPMENT.POSTAGE.EXISTS") {
      const seen = await client.call<EpShipment>("GET", `/shipments/${id}`);
      return seen.ok ? adopt(seen.body) : { ok: false, transient: true, message: seen.error.message };
    }
    if (res.error.status === 402) {
      return { ok: false, transient: false, message: `EasyPost could not charge the platform's wallet for this label; nothing was charged to you (${res.error.message})` };
    }
    const detail = res.error.errors.map((e) => e.message).filter(Boolean).join("; ");
    return { ok: false, transient: res.transient, message: `EasyPost: ${res.error.message}${detail ? ` (${detail})` : ""}` };
  }

  /** Follows one form EasyPost has made (or is making): its PDF once `created`, its reason once `failed`. */
  async function formOutcome(form: EpScanForm): Promise<ScanFormOutcome> {
    const status = scanFormStatusOf(form.status ?? (form.form_url ? "created" : "creating"));
    if (status === "failed") return { status, provider_id: form.id, message: `EasyPost: ${form.message || "the SCAN form failed"}` };
    if (status === "generating" || !form.form_url) return { status: "generating", provider_id: form.id };
    const doc = await client.file(form.form_url);
    if (!doc.ok) throw new Error(doc.error.message);
    if (!looksLike(doc.body, "pdf")) throw new Error("EasyPost's SCAN form is not a PDF");
    return { status: "ready", provider_id: form.id, pdf: doc.body };
  }

  /** The pickup's cheapest rate from the carrier asked for (EasyPost buys a pickup by carrier and service). */
  const pickupRate = (p: EpPickup, carrier: string) =>
    (p.pickup_rates ?? []).filter((r) => carrierFamily(r.carrier) === carrier).sort((a, b) => Number(a.rate) - Number(b.rate))[0];
  const pickupMessage = (p: EpPickup) => (p.messages ?? []).map((m) => m.message).filter(Boolean).join("; ");

  return {
    rate: sandboxRate,
    rateWithProvider: (requests) => Promise.all(requests.map(rateOne)),

    async quotePickup(req) {
      const ids = await providerIds(req.shipment_keys);
      const first = ids.get(req.shipment_keys[0]);
      if (!first) return { ok: false, transient: false, message: "These shipments were not bought through EasyPost" };
      // EasyPost's pickup names one shipment (or an EasyPost batch); the carrier collects every parcel at the address.
      const res = await client.call<EpPickup>("POST", "/pickups", {
        pickup: {
          address: address(req.address), shipment: { id: first }, min_datetime: req.min_datetime, max_datetime: req.max_datetime,
          ...(req.instructions ? { instructions: req.instructions } : {}), reference: req.id, is_account_address: false,
        },
      });
      if (!res.ok) return { ok: false, transient: res.transient, message: `EasyPost: ${res.error.message}` };
      const rate = pickupRate(res.body, req.carrier);
      if (!rate) return { ok: false, transient: false, message: `EasyPost: ${pickupMessage(res.body) || `no ${req.carrier.toUpperCase()} pickup is available in that window`}` };
      return { ok: true, provider_id: res.body.id, cents: parseProviderAmount(rate.rate) };
    },

    async buyPickup(req, providerId) {
      const seen = await client.call<EpPickup>("GET", `/pickups/${providerId}`);
      if (!seen.ok) return { ok: false, transient: seen.transient, message: `EasyPost: ${seen.error.message}` };
      // Booked already (a retry after a crash): its confirmation stands.
      if (pickupStatusOf(seen.body.status) === "scheduled" && seen.body.confirmation) return { ok: true, confirmation: seen.body.confirmation };
      const rate = pickupRate(seen.body, req.carrier);
      if (!rate) return { ok: false, transient: false, message: "EasyPost: the pickup has no rate to buy" };
      const res = await client.call<EpPickup>("POST", `/pickups/${providerId}/buy`, { carrier: rate.carrier, service: rate.service });
      if (!res.ok) return { ok: false, transient: res.transient, message: `EasyPost: ${res.error.message}` };
      if (!res.body.confirmation) return { ok: false, transient: true, message: "EasyPost has not confirmed the pickup yet" };
      return { ok: true, confirmation: res.body.confirmation };
    },

    async trackers(items) {
      const out: { provider_shipment_id: string; tracker: ProviderTracker }[] = [];
      for (const item of items) {
        if (item.tracker_id) {
          const res = await client.call<ProviderTracker>("GET", `/trackers/${item.tracker_id}`);
          if (res.ok) out.push({ provider_shipment_id: item.provider_shipment_id, tracker: res.body });
          continue;
        }
        const res = await client.call<EpShipment & { tracker?: ProviderTracker | null }>("GET", `/shipments/${item.provider_shipment_id}`);
        if (res.ok && res.body.tracker?.updated_at) out.push({ provider_shipment_id: item.provider_shipment_id, tracker: res.body.tracker });
      }
      return out;
    },

    async cancelPickup(_req, providerId) {
      const res = await client.call<EpPickup>("POST", `/pickups/${providerId}/cancel`);
      if (res.ok) return { ok: true };
      const seen = await client.call<EpPickup>("GET", `/pickups/${providerId}`);
      if (seen.ok && pickupStatusOf(seen.body.status) === "cancelled") return { ok: true };
      return { ok: false, message: `EasyPost: ${res.error.message}` };
    },
    ...(testKey ? { cannotBuy: TEST_KEY_MESSAGE } : {}),
    purchase: async (requests) => (testKey ? requests.map(() => ({ ok: false as const, transient: false, message: TEST_KEY_MESSAGE })) : Promise.all(requests.map(buyOne))),

    async void(keys) {
      const ids = await providerIds(keys);
      return Promise.all(keys.map(async (key): Promise<VoidOutcome> => {
        const id = ids.get(key);
        if (!id) return { key, outcome: "not_sold" };
        const res = await client.call<EpShipment>("POST", `/shipments/${id}/refund`);
        if (res.ok) return { key, outcome: "refund_submitted" };
        // Not bought, or already asked for: read what the provider holds.
        const seen = await client.call<EpShipment>("GET", `/shipments/${id}`);
        if (!seen.ok) throw new Error(`EasyPost refund for ${key} failed: ${res.error.message}`);
        if (!seen.body.postage_label) return { key, outcome: "not_sold" };
        if (seen.body.refund_status === "submitted" || seen.body.refund_status === "refunded") return { key, outcome: "refund_submitted" };
        throw new Error(`EasyPost refused the refund for ${key}: ${res.error.message}`);
      }));
    },

    async refundStatus(keys) {
      const ids = await providerIds(keys);
      return Promise.all(keys.map(async (key) => {
        const id = ids.get(key);
        if (!id) throw new Error(`${key} has no EasyPost shipment`);
        const res = await client.call<EpShipment>("GET", `/shipments/${id}`);
        if (!res.ok) throw new Error(`EasyPost could not be asked about the refund: ${res.error.message}`);
        return refundStatusOf(res.body.refund_status) ?? "submitted";
      }));
    },

    async labelDocument(key, format) {
      const id = (await providerIds([key])).get(key);
      if (!id) throw new Error(`${key} has no EasyPost shipment`);
      const res = await client.call<EpShipment>("GET", `/shipments/${id}/label?file_format=${format.toUpperCase()}`);
      if (!res.ok) throw new Error(`EasyPost label conversion failed: ${res.error.message}`);
      const url = format === "zpl" ? res.body.postage_label?.label_zpl_url : res.body.postage_label?.label_epl2_url;
      if (!url) throw new Error(`EasyPost returned no ${format.toUpperCase()} label`);
      const doc = await client.file(url);
      if (!doc.ok) throw new Error(doc.error.message);
      if (!looksLike(doc.body, format)) throw new Error(`EasyPost's ${format.toUpperCase()} label is not ${format.toUpperCase()}`);
      return doc.body;
    },

    async scanForm(keys, previous) {
      // A form already made (or being made) is followed, never asked for twice.
      if (previous.provider_id) {
        const seen = await client.call<EpScanForm>("GET", `/scan_forms/${previous.provider_id}`);
        if (!seen.ok) throw new Error(`EasyPost scan form could not be read: ${seen.error.message}`);
        return formOutcome(seen.body);
      }
      const ids = await providerIds(keys);
      // A POST that may have reached EasyPost before a crash: its form is on the shipments.
      if (previous.posted) {
        const first = ids.get(keys[0]);
        const seen = first ? await client.call<EpShipment>("GET", `/shipments/${first}`) : null;
        if (seen && !seen.ok) throw new Error(`EasyPost shipment could not be read: ${seen.error.message}`);
        const formId = seen?.body.scan_form?.id;
        if (formId) {
          const form = await client.call<EpScanForm>("GET", `/scan_forms/${formId}`);
          if (!form.ok) throw new Error(`EasyPost scan form could not be read: ${form.error.message}`);
          return formOutcome(form.body);
        }
      }
      const res = await client.call<EpScanForm>("POST", "/scan_forms", { shipments: keys.map((k) => ({ id: ids.get(k) })) });
      if (!res.ok) {
        if (res.transient) throw new Error(`EasyPost scan form failed: ${res.error.message}`);
        const detail = res.error.errors.map((e) => e.message).filter(Boolean).join("; ");
        return { status: "failed", provider_id: null, message: `EasyPost: ${res.error.message}${detail ? ` (${detail})` : ""}` };
      }
      return formOutcome(res.body);
    },
  };
}
