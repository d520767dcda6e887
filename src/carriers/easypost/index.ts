// The live carrier: EasyPost's REST API (v2), configured by the secret EASYPOST_API_KEY and the var
// EASYPOST_BASE_URL. Shipments are rated by creating the provider's shipment (its id is kept before
// anything is bought) and bought by rate id, never by the one-call create-and-buy, which a retry would
// repeat. EasyPost has no idempotency key, so exactly-once is ours: a buy that may already have reached
// the provider reads the shipment first and adopts the label it has; `SHIPMENT.POSTAGE.EXISTS` is read
// back the same way. Labels are the provider's own documents.
import { parseAmount } from "../../lib/money";
import type { StoredAddress } from "../../schemas/address";
import type { ShipmentErrors } from "../../schemas/shipment";
import { sandboxRate } from "../sandbox/rates";
import { SERVICES } from "../services";
import { byPrice, estimatedDelivery, type Alternative } from "../shopping";
import type { CarrierAdapter, ProviderRating, PurchaseOutcome, PurchaseRequest, RatingRequest, VoidOutcome } from "../types";
import { EasyPostClient, type ProviderError } from "./client";

export const DEFAULT_EASYPOST_BASE_URL = "https://api.easypost.com/v2";

type EpRate = { id: string; carrier: string; service: string; rate: string; currency: string; delivery_days: number | null; est_delivery_days?: number | null };
type EpShipment = {
  id: string; rates: EpRate[]; selected_rate: EpRate | null; tracking_code: string | null; refund_status: string | null;
  postage_label: { label_url?: string | null; label_pdf_url?: string | null; label_zpl_url?: string | null } | null;
  messages?: { carrier?: string; message?: string }[];
};

const address = (a: StoredAddress) => ({
  name: a.name, company: a.company, street1: a.street1, street2: a.street2, city: a.city, state: a.state, zip: a.zip,
  country: a.country, phone: a.phone, email: a.email,
});

/** The provider's refusal as a shipment's per-field errors: address problems on the address, the rest on the shipment. */
export function providerErrors(e: ProviderError): ShipmentErrors {
  const text = `EasyPost: ${e.message}${e.errors.length ? ` (${e.errors.map((x) => [x.field, x.message].filter(Boolean).join(" ")).join("; ")})` : ""}`;
  return { [e.code.startsWith("ADDRESS.") ? "to_address" : "shipment"]: [text] };
}

export function easypostCarrier(env: Env, db: D1Database): CarrierAdapter {
  const client = new EasyPostClient(env.EASYPOST_BASE_URL || DEFAULT_EASYPOST_BASE_URL, env.EASYPOST_API_KEY!, Number(env.EASYPOST_CONCURRENCY) || 64);

  /** Our shipment ids (the idempotency keys) → the provider's shipment ids. */
  async function providerIds(keys: readonly string[]): Promise<Map<string, string>> {
    const { results } = await db.prepare("SELECT id, provider_shipment_id FROM shipments WHERE provider_shipment_id IS NOT NULL AND id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(keys)).all<{ id: string; provider_shipment_id: string }>();
    return new Map(results.map((r) => [r.id, r.provider_shipment_id]));
  }

  async function rateOne(r: RatingRequest): Promise<ProviderRating> {
    const res = await client.call<EpShipment>("POST", "/shipments", {
      shipment: {
        from_address: address(r.from), to_address: address(r.to),
        parcel: { weight: r.parcel.weight_oz, length: r.parcel.length_in, width: r.parcel.width_in, height: r.parcel.height_in },
        options: { label_format: "PDF" }, ...(r.reference ? { reference: r.reference } : {}),
      },
    });
    if (!res.ok) return res.transient ? { ok: false, transient: true, message: res.error.message } : { ok: false, transient: false, errors: providerErrors(res.error) };
    // The provider's rates for the services we sell, with its delivery days (no extra call).
    const alternatives: Alternative[] = [];
    for (const rate of res.body.rates ?? []) {
      const spec = SERVICES.find((x) => x.easypost.carrier === rate.carrier && x.easypost.service === rate.service);
      if (!spec) continue;
      const days = rate.delivery_days ?? rate.est_delivery_days ?? spec.delivery_days;
      alternatives.push({ service: spec.id, cents: parseAmount(rate.rate), delivery_days: days, estimated_delivery_date: estimatedDelivery(r.now, days), provider_rate_id: rate.id });
    }
    const notes = (res.body.messages ?? []).map((m) => ({ carrier: m.carrier ?? "", message: m.message ?? "" }));
    return { ok: true, provider_shipment_id: res.body.id, alternatives: alternatives.sort(byPrice), currency: "USD", notes };
  }

  /** A bought provider shipment as our outcome: its label document is fetched once, here. */
  async function adopt(s: EpShipment): Promise<PurchaseOutcome> {
    const url = s.postage_label?.label_pdf_url ?? s.postage_label?.label_url;
    if (!url || !s.tracking_code || !s.selected_rate) return { ok: false, transient: true, message: "EasyPost has not finished the label yet" };
    const doc = await client.file(url);
    if (!doc.ok) return { ok: false, transient: true, message: doc.error.message };
    return { ok: true, tracking_number: s.tracking_code, document: doc.body, cents: parseAmount(s.selected_rate.rate) };
  }

  async function buyOne(r: PurchaseRequest): Promise<PurchaseOutcome> {
    const id = r.provider_shipment_id;
    if (!id || !r.provider_rate_id) return { ok: false, transient: false, message: "This shipment was not rated by EasyPost; edit it to rate it again." };
    if (r.buy_started || r.attempt > 1) {
      const seen = await client.call<EpShipment>("GET", `/shipments/${id}`);
      if (!seen.ok) return { ok: false, transient: true, message: seen.error.message };
      if (seen.body.postage_label) return adopt(seen.body);
    }
    const res = await client.call<EpShipment>("POST", `/shipments/${id}/buy`, { rate: { id: r.provider_rate_id } });
    if (res.ok) return adopt(res.body);
    if (res.error.code === "SHIPMENT.POSTAGE.EXISTS") {
      const seen = await client.call<EpShipment>("GET", `/shipments/${id}`);
      return seen.ok ? adopt(seen.body) : { ok: false, transient: true, message: seen.error.message };
    }
    if (res.error.status === 402) {
      return { ok: false, transient: false, message: `EasyPost could not charge the platform's wallet for this label; nothing was charged to you (${res.error.message})` };
    }
    return { ok: false, transient: res.transient, message: `EasyPost: ${res.error.message}` };
  }

  return {
    rate: sandboxRate,
    rateWithProvider: (requests) => Promise.all(requests.map(rateOne)),
    purchase: (requests) => Promise.all(requests.map(buyOne)),

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

    async refundStatus(key) {
      const id = (await providerIds([key])).get(key);
      if (!id) throw new Error(`${key} has no EasyPost shipment`);
      const res = await client.call<EpShipment>("GET", `/shipments/${id}`);
      if (!res.ok) throw new Error(`EasyPost could not be asked about the refund: ${res.error.message}`);
      const status = res.body.refund_status;
      return status === "refunded" || status === "rejected" ? status : "submitted";
    },

    async labelDocument(key, format) {
      const id = (await providerIds([key])).get(key);
      if (!id) throw new Error(`${key} has no EasyPost shipment`);
      const res = await client.call<EpShipment>("GET", `/shipments/${id}/label?file_format=${format.toUpperCase()}`);
      if (!res.ok) throw new Error(`EasyPost label conversion failed: ${res.error.message}`);
      const url = res.body.postage_label?.label_zpl_url;
      if (!url) throw new Error("EasyPost returned no ZPL label");
      const doc = await client.file(url);
      if (!doc.ok) throw new Error(doc.error.message);
      return doc.body;
    },

    async scanForm(keys) {
      const ids = await providerIds(keys);
      const res = await client.call<{ id: string; form_url: string | null }>("POST", "/scan_forms", { shipments: keys.map((k) => ({ id: ids.get(k) })) });
      if (!res.ok) throw new Error(`EasyPost scan form failed: ${res.error.message}`);
      if (!res.body.form_url) throw new Error("EasyPost returned no scan form document");
      const doc = await client.file(res.body.form_url);
      if (!doc.ok) throw new Error(doc.error.message);
      return { id: res.body.id, pdf: doc.body };
    },
  };
}
