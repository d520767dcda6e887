// A local stand-in of EasyPost's REST API (v2), for tests and for `npm run dev` pointed at it. Its
// status codes and body shapes follow EasyPost's own recorded traffic (the official client libraries'
// cassettes), the awkward answers included:
// - every object says its `mode`: `test` for a test key (EZTK…), `production` for a live one (EZAK…);
// - carriers are named after the account that rates them: EasyPost's own billed accounts answer
//   `UPSDAP` and `FedExDefault`, a merchant's own accounts `UPS` and `FedEx`; `carrier_accounts` limits rating;
// - a shipment to an undeliverable address is created (201) and rated unless asked to verify it:
//   `verify` answers 201 with `verifications.delivery.success: false` and its errors; `verify_strict` 422;
//   a verified address comes back corrected (upper case, ZIP+4);
// - a buy answers `fees` (LabelFee, PostageFee, InsuranceFee with five decimals); an account whose
//   defaults insure (`defaultInsurance`) insures every buy that does not say `insurance: 0`;
// - labels are PNG (`label_pdf_url: null`) unless the shipment asked `label_format: PDF`;
// - a refund is `submitted`; EasyPost decides later (`decideRefund`): refunded, rejected, not_applicable;
// - a SCAN form is `creating` with `form_url: null`, made on a later GET, or `failed` with a message
//   (a label dated before the form's day); a shipment is on one form at most;
// - `errors` as `{ field, message }` objects, or as plain strings (its alternative format).
// It keeps its books in memory and sells each shipment's postage once (`SHIPMENT.POSTAGE.EXISTS`).
// Runs in workerd (the tests route fetches to `handle`) and in Node 22 (src/cli/easypost-standin.mjs),
// so it uses web APIs only and imports nothing but pdf-lib.
import { PDFDocument, StandardFonts } from "pdf-lib";

export type Fault = { method?: string; path: string; status: number; code?: string; message?: string; retry_after?: number; times?: number; string_errors?: string[] };
export type Account = { id: string; carrier: string };
export type StandInOptions = {
  latencyMs?: number; apiKey?: string; requestsPerSecond?: number;
  /** The carrier accounts the key has; default EasyPost's own: USPS, UPSDAP, FedExDefault. */
  accounts?: Account[];
  /** The account's default insurance, bought with every label whose buy does not say `insurance: 0`. */
  defaultInsurance?: string | null;
  /** GETs of a `creating` SCAN form before it is `created`. */
  scanFormGets?: number;
  /** Answer in this mode whatever the key says (a key EasyPost treats as a test key). */
  mode?: "test" | "production";
  /** Sell PNG labels even when a shipment asked for PDF, as EasyPost's recorded buys show. */
  pngLabels?: boolean;
};

type Rate = { id: string; object: "Rate"; mode: string; service: string; carrier: string; rate: string; currency: string; retail_rate: string;
  retail_currency: string; list_rate: string; list_currency: string; billing_type: string; delivery_days: number | null; est_delivery_days: number | null;
  delivery_date: null; delivery_date_guaranteed: boolean; shipment_id: string; carrier_account_id: string; created_at: string; updated_at: string };
type Shipment = Record<string, any> & { id: string; rates: Rate[]; selected_rate: Rate | null; postage_label: Record<string, any> | null;
  tracking_code: string | null; refund_status: string | null; reference: string | null; fees: Record<string, unknown>[]; mode: string };

export const EASYPOST_ACCOUNTS: Account[] = [
  { id: "ca_usps_standin", carrier: "USPS" }, { id: "ca_upsdap_standin", carrier: "UPSDAP" }, { id: "ca_fedexdefault_standin", carrier: "FedExDefault" },
];
export const MERCHANT_ACCOUNTS: Account[] = [
  { id: "ca_usps_standin", carrier: "USPS" }, { id: "ca_ups_merchant", carrier: "UPS" }, { id: "ca_fedex_merchant", carrier: "FedEx" },
];

// Family, service, base price, per pound, days: the services EasyPost's carrier metadata names.
const CATALOGUE = [
  ["USPS", "GroundAdvantage", 5.05, 0.9, 5], ["USPS", "Priority", 8.1, 1.55, 3], ["USPS", "Express", 27.9, 3.05, 1],
  ["UPS", "Ground", 10.2, 1.15, 5], ["UPS", "2ndDayAir", 20.95, 2.85, 2], ["UPS", "NextDayAir", 43.8, 5.1, 1],
  ["FedEx", "FEDEX_GROUND", 10.05, 1.12, 5], ["FedEx", "FEDEX_2_DAY", 20.4, 2.8, 2], ["FedEx", "STANDARD_OVERNIGHT", 41.9, 4.95, 1],
] as const;
// Abroad, as EasyPost's recorded rates to Romania name them (delivery days null, as recorded).
const INTERNATIONAL = [
  ["USPS", "FirstClassPackageInternationalService", 14.49, 3.9], ["USPS", "PriorityMailInternational", 44.5, 4.6], ["USPS", "ExpressMailInternational", 58.2, 5.4],
  ["UPS", "Expedited", 62.1, 5.3], ["UPS", "UPSSaver", 79.9, 6.6], ["FedEx", "INTERNATIONAL_ECONOMY", 64.2, 5.5], ["FedEx", "INTERNATIONAL_PRIORITY", 81.3, 6.8],
] as const;
const familyOf = (carrier: string) => (/^ups/i.test(carrier) ? "UPS" : /^fedex/i.test(carrier) ? "FedEx" : carrier);

// A 1x1 PNG: what EasyPost's recorded buys point `label_url` at when no PDF was asked for.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

const hex = (n = 32) => Array.from(crypto.getRandomValues(new Uint8Array(n / 2)), (b) => b.toString(16).padStart(2, "0")).join("");
const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", "x-ep-request-uuid": hex(), ...headers } });
const error = (status: number, code: string, message: string, errors: unknown[] = [], headers: Record<string, string> = {}) =>
  json(status, { error: { code, message, errors } }, headers);
const fee = (type: string, dollars: number) => ({ object: "Fee", type, amount: dollars.toFixed(5), charged: true, refunded: false });

/** Why a destination fails delivery verification, as EasyPost words it; none when it verifies. */
function verificationErrors(a: Record<string, any>) {
  const errors: { code: string; field: string; message: string; suggestion: null }[] = [];
  if (!a.street1 || /undeliverable|unknown street/i.test(a.street1) || /^0000/.test(String(a.zip ?? ""))) {
    errors.push({ code: "E.ADDRESS.NOT_FOUND", field: "address", message: "Address not found", suggestion: null });
  }
  if (a.street1 && !/^\s*\d/.test(a.street1)) errors.push({ code: "E.HOUSE_NUMBER.MISSING", field: "street1", message: "House number is missing", suggestion: null });
  return errors;
}

/** The address as verification corrects it: upper case, ZIP+4, a suffix spelled as USPS abbreviates it. */
function corrected(a: Record<string, any>) {
  const up = (s: unknown) => (typeof s === "string" && s ? s.toUpperCase() : s ?? null);
  const zip = String(a.zip ?? "");
  return {
    ...a, name: up(a.name), company: up(a.company), city: up(a.city), state: up(a.state),
    street1: up(String(a.street1 ?? "").replace(/\bstreet\b/i, "St").replace(/\bavenue\b/i, "Ave")), street2: up(a.street2) ?? "",
    zip: /^\d{5}$/.test(zip) ? `${zip}-${String(1000 + (parseInt(zip, 10) % 9000)).padStart(4, "0")}` : zip,
  };
}

export class EasyPostStandIn {
  readonly shipments = new Map<string, Shipment>();
  readonly scanForms = new Map<string, Record<string, any>>();
  readonly pickups = new Map<string, Record<string, any>>();
  readonly calls: { method: string; path: string; at: number; body?: any }[] = [];
  private faults: Fault[] = [];
  private extraFees: { times: number; fees: { type: string; amount: number }[] }[] = [];
  private formGets = new Map<string, number>();
  private windowStart = 0;
  private windowCount = 0;

  readonly options: StandInOptions;

  // A plain field, not a parameter property: Node runs this file with its type stripping, which has none.
  constructor(options: StandInOptions = {}) {
    this.options = options;
  }

  /** The next matching requests fail this way (`times`, default 1). */
  inject(fault: Fault) {
    this.faults.push({ times: 1, ...fault });
  }

  /** The next `times` buys are billed these fees too (dollars), as a carrier surcharge would be. */
  surcharge(fees: { type: string; amount: number }[], times = 1) {
    this.extraFees.push({ times, fees });
  }

  /** EasyPost's decision on a submitted refund, as it comes days later. */
  decideRefund(id: string, status: "refunded" | "rejected" | "not_applicable") {
    const s = this.shipments.get(id);
    if (s?.refund_status === "submitted") s.refund_status = status;
  }

  reset() {
    this.shipments.clear();
    this.scanForms.clear();
    this.formGets.clear();
    this.calls.length = 0;
    this.faults = [];
    this.extraFees = [];
    this.restoreDefaults();
  }

  /** The account as EasyPost's own billed carriers, no default insurance, forms made on the first GET, PDF labels when asked. */
  restoreDefaults() {
    Object.assign(this.options, { accounts: undefined, defaultInsurance: undefined, scanFormGets: undefined, mode: undefined, pngLabels: undefined });
    this.extraFees = [];
  }

  /** Labels sold and not refunded, by shipment id. */
  sold(): string[] {
    return [...this.shipments.values()].filter((s) => s.postage_label && !s.refund_status).map((s) => s.id);
  }

  private keyOf(request: Request) {
    const header = request.headers.get("authorization") ?? "";
    return /^Bearer (.+)$/.exec(header)?.[1] ?? (header.startsWith("Basic ") ? atob(header.slice(6)).replace(/:$/, "") : "");
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^.*?\/v2(?=\/)/, "");
    const method = request.method;
    const body: any = method === "POST" ? await request.json().catch(() => ({})) : undefined;
    this.calls.push({ method, path: `${path}${url.search}`.replace(/\?.*$/, ""), at: Date.now(), body });
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));

    // Label documents are files at their own URLs, as EasyPost serves them from its file store.
    const file = /^\/files\/postage_label\/(shp_\w+)\.(pdf|zpl|epl2|png)$/.exec(url.pathname);
    if (file && method === "GET") return this.document(file[1], file[2] as "pdf" | "zpl" | "epl2" | "png");
    if (url.pathname.startsWith("/files/scan_form/") && method === "GET") return this.scanFormDocument(url.pathname.split("/").pop()!.replace(".pdf", ""));
    if (url.pathname.startsWith("/files/form/") && method === "GET") return this.formDocument(url.pathname.split("/").pop()!.replace(".pdf", ""));

    const key = this.keyOf(request);
    if (!key || (this.options.apiKey && key !== this.options.apiKey)) return error(401, "APIKEY.REQUIRED", "Unauthorized. Please check credentials and try again");
    const mode = this.options.mode ?? (key.startsWith("EZTK") ? "test" : "production");
    const fault = this.faults.find((f) => (!f.method || f.method === method) && new RegExp(f.path).test(path));
    if (fault) {
      if (--fault.times! <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return error(fault.status, fault.code ?? "INTERNAL_SERVER_ERROR", fault.message ?? "Injected by the stand-in", fault.string_errors ?? [],
        fault.retry_after !== undefined ? { "retry-after": String(fault.retry_after) } : {});
    }
    if (this.options.requestsPerSecond) {
      const now = Date.now();
      if (now - this.windowStart >= 1000) { this.windowStart = now; this.windowCount = 0; }
      if (++this.windowCount > this.options.requestsPerSecond) return error(429, "RATE_LIMITED", "Too many requests", [], { "retry-after": "1" });
    }

    let m: RegExpExecArray | null;
    if (method === "POST" && path === "/shipments") return this.createShipment(body, url.origin, mode);
    if (method === "GET" && (m = /^\/shipments\/(shp_\w+)$/.exec(path))) return this.found(m[1], (s) => json(200, s));
    if (method === "POST" && (m = /^\/shipments\/(shp_\w+)\/buy$/.exec(path))) return this.buy(m[1], body, url.origin);
    if (method === "GET" && (m = /^\/shipments\/(shp_\w+)\/label$/.exec(path))) return this.convert(m[1], url.searchParams.get("file_format"), url.origin);
    if (method === "POST" && (m = /^\/shipments\/(shp_\w+)\/refund$/.exec(path))) return this.refund(m[1]);
    if (method === "POST" && path === "/scan_forms") return this.createScanForm(body, url.origin, mode);
    if (method === "POST" && path === "/pickups") return this.createPickup(body, mode);
    if (method === "GET" && (m = /^\/trackers\/(trk_\w+)$/.exec(path))) {
      const tracker = [...this.shipments.values()].map((s) => s.tracker).find((t) => t?.id === m![1]);
      return tracker ? json(200, tracker) : error(404, "NOT_FOUND", "The requested resource could not be found.");
    }
    if (method === "GET" && (m = /^\/pickups\/(pickup_\w+)$/.exec(path))) return this.pickupFound(m[1], (p) => json(200, p));
    if (method === "POST" && (m = /^\/pickups\/(pickup_\w+)\/buy$/.exec(path))) return this.buyPickup(m[1], body);
    if (method === "POST" && (m = /^\/pickups\/(pickup_\w+)\/cancel$/.exec(path))) return this.cancelPickup(m[1]);
    if (method === "GET" && (m = /^\/scan_forms\/(sf_\w+)$/.exec(path))) return this.getScanForm(m[1], url.origin);
    // EasyPost's alternative error format: `errors` as plain strings.
    return error(404, "NOT_FOUND", "The requested resource could not be found.", [`No route or object for ${method} ${path}`]);
  }

  private found(id: string, then: (s: Shipment) => Response | Promise<Response>) {
    const s = this.shipments.get(id);
    return s ? then(s) : error(404, "SHIPMENT.NOT_FOUND", "The requested resource could not be found.", ["No shipment with that id."]);
  }

  private createShipment(body: { shipment?: Record<string, any> }, origin: string, mode: string): Response {
    const input = body?.shipment;
    if (!input) return error(422, "PARAMETER.REQUIRED", "Missing required parameter.", [{ field: "shipment", message: "cannot be blank" }]);
    const { verify, verify_strict: strict, ...to } = input.to_address ?? {};
    const parcel = input.parcel ?? {};
    const id = `shp_${hex()}`;
    const now = stamp();
    let toAddress: Record<string, any> = { id: `adr_${hex()}`, object: "Address", mode, ...to, verifications: {} };
    const abroad = (to.country ?? "US") !== "US";
    // Delivery verification is a US check: an address abroad comes back as sent, unverified.
    if ((verify || strict) && !abroad) {
      const errors = verificationErrors(to);
      if (errors.length && strict) return error(422, "ADDRESS.VERIFY.FAILURE", "Unable to verify address.", errors);
      const delivery = errors.length ? { success: false, errors, details: {} } : { success: true, errors: [], details: { latitude: 37.77551, longitude: -122.39697, time_zone: "America/Los_Angeles" } };
      toAddress = { ...(errors.length ? toAddress : { ...toAddress, ...corrected(to) }), verifications: { zip4: { ...delivery, details: null }, delivery } };
    }
    const weightOz = Number(parcel.weight) || 1;
    const zone = 1 + (Math.abs(Number(String(to.zip).slice(0, 3)) - Number(String(input.from_address?.zip ?? "0").slice(0, 3))) % 8);
    const messages: unknown[] = [];
    const rates: Rate[] = [];
    const asked: string[] | undefined = input.carrier_accounts;
    const accounts = (this.options.accounts ?? EASYPOST_ACCOUNTS).filter((a) => !asked || asked.includes(a.id));
    for (const account of accounts) {
      const family = familyOf(account.carrier);
      if (family === "USPS" && weightOz > 70 * 16) {
        messages.push({ carrier: account.carrier, carrier_account_id: account.id, type: "rate_error", message: "Weight exceeds the maximum for this service" });
        continue;
      }
      // Remote Alaska (999xx): the ground and air carriers do not serve it here, as for some real ZIPs.
      if (family !== "USPS" && String(to.zip).startsWith("999")) {
        messages.push({ carrier: account.carrier, carrier_account_id: account.id, type: "rate_error", message: "Service is not available to this destination" });
        continue;
      }
      if (abroad) {
        for (const [fam, service, base, perLb] of INTERNATIONAL) {
          if (fam !== family || (service === "FirstClassPackageInternationalService" && weightOz > 64)) continue;
          const amount = base + perLb * (Math.ceil(weightOz / 16) - 1);
          rates.push({
            id: `rate_${hex()}`, object: "Rate", mode, service, carrier: account.carrier, rate: amount.toFixed(2), currency: "USD",
            retail_rate: (amount * 1.05).toFixed(2), retail_currency: "USD", list_rate: amount.toFixed(2), list_currency: "USD",
            billing_type: /DAP|Default|USPS/.test(account.carrier) ? "easypost" : "carrier", delivery_days: null, est_delivery_days: null,
            delivery_date: null, delivery_date_guaranteed: false, shipment_id: id, carrier_account_id: account.id, created_at: now, updated_at: now,
          });
        }
        continue;
      }
      for (const [fam, service, base, perLb, days] of CATALOGUE) {
        if (fam !== family) continue;
        const amount = base + perLb * Math.ceil(weightOz / 16) * (1 + zone / 10);
        rates.push({
          id: `rate_${hex()}`, object: "Rate", mode, service, carrier: account.carrier, rate: amount.toFixed(2), currency: "USD",
          retail_rate: (amount * 1.2).toFixed(2), retail_currency: "USD", list_rate: (amount * 1.1).toFixed(2), list_currency: "USD",
          billing_type: /DAP|Default|USPS/.test(account.carrier) ? "easypost" : "carrier", delivery_days: days, est_delivery_days: days,
          delivery_date: null, delivery_date_guaranteed: false, shipment_id: id, carrier_account_id: account.id, created_at: now, updated_at: now,
        });
      }
    }
    const shipment: Shipment = {
      id, object: "Shipment", mode, created_at: now, updated_at: now, is_return: false, reference: input.reference ?? null, status: "unknown",
      options: { ...(input.options ?? {}), currency: "USD", payment: { type: "SENDER" }, date_advance: 0 },
      from_address: { id: `adr_${hex()}`, object: "Address", mode, ...input.from_address, verifications: {} },
      to_address: toAddress, parcel: { id: `prcl_${hex()}`, object: "Parcel", mode, ...parcel }, messages, rates,
      selected_rate: null, postage_label: null, tracking_code: null, refund_status: null, scan_form: null, tracker: null, insurance: null,
      fees: [], usps_zone: abroad ? null : zone, batch_id: null, batch_status: null, batch_message: null, forms: [],
      customs_info: input.customs_info ? customsInfoOf(input.customs_info, mode, now) : null,
    };
    this.shipments.set(id, shipment);
    return json(201, shipment, { location: `/api/v2/shipments/${id}` });
  }

  private buy(id: string, body: { rate?: { id?: string }; insurance?: string | number }, origin: string) {
    return this.found(id, (s) => {
      if (s.postage_label) return error(422, "SHIPMENT.POSTAGE.EXISTS", "Postage already exists for this shipment.");
      const rate = s.rates.find((r) => r.id === body?.rate?.id);
      if (!rate) return error(422, "SHIPMENT.RATE.INVALID", "The rate id is not one of this shipment's rates.", [{ field: "rate", message: "is invalid" }]);
      if (Number(rate.rate) >= 900) return error(402, "PAYMENT.INSUFFICIENT_FUNDS", "Your EasyPost wallet balance is too low to buy this label.");
      const abroad = (s.to_address.country ?? "US") !== "US";
      if (abroad && !s.customs_info?.customs_items?.length) {
        return error(422, "SHIPMENT.POSTAGE.FAILURE", "Customs information is required for an international shipment.", [{ field: "customs_info", message: "cannot be blank" }]);
      }
      const now = stamp();
      // No `insurance` at all takes the account's default; 0 takes none.
      const insured = body?.insurance === undefined ? this.options.defaultInsurance ?? null : Number(body.insurance) > 0 ? Number(body.insurance).toFixed(2) : null;
      s.selected_rate = rate;
      s.tracking_code = trackingFor(familyOf(rate.carrier), id, abroad);
      // UPS and FedEx abroad: a commercial invoice beside the label; USPS integrates its customs form (CN 22/23) into the label.
      if (abroad && familyOf(rate.carrier) !== "USPS") {
        s.forms = [{ object: "Form", id: `form_${hex()}`, created_at: now, updated_at: now, mode: s.mode, form_type: "commercial_invoice", form_url: `${origin}/files/form/${id}.pdf`, submitted_electronically: null }];
      }
      const pdf = String(s.options?.label_format ?? "").toUpperCase() === "PDF" && !this.options.pngLabels;
      const ext = pdf ? "pdf" : "png";
      s.postage_label = {
        object: "PostageLabel", id: `pl_${hex()}`, created_at: now, updated_at: now, date_advance: 0, integrated_form: "none", label_date: now,
        label_resolution: 300, label_size: "4x6", label_type: "default", label_file_type: pdf ? "application/pdf" : "image/png",
        ...(abroad && familyOf(rate.carrier) === "USPS" ? { integrated_form: rate.service === "ExpressMailInternational" ? "cn23" : "cn22" } : {}),
        label_url: `${origin}/files/postage_label/${id}.${ext}`, label_pdf_url: pdf ? `${origin}/files/postage_label/${id}.pdf` : null,
        label_zpl_url: null, label_epl2_url: null, label_file: null,
      };
      s.insurance = insured;
      const extra = this.extraFees[0];
      if (extra && --extra.times <= 0) this.extraFees.shift();
      s.fees = [
        fee("LabelFee", 0), fee("PostageFee", Number(rate.rate)),
        ...(insured ? [fee("InsuranceFee", Math.max(0.5, Math.ceil(Number(insured)) / 100))] : []),
        ...(extra?.fees ?? []).map((f) => fee(f.type, f.amount)),
      ];
      s.tracker = {
        id: `trk_${hex()}`, object: "Tracker", mode: s.mode, tracking_code: s.tracking_code, status: "pre_transit", status_detail: "label_created",
        carrier: familyOf(rate.carrier), shipment_id: id, created_at: now, updated_at: now, est_delivery_date: null, fees: [],
        tracking_details: [{ object: "TrackingDetail", datetime: now, status: "pre_transit", status_detail: "label_created", message: "Pre-Shipment Info Sent to USPS", source: familyOf(rate.carrier), tracking_location: { object: "TrackingLocation", city: null, state: null, country: null, zip: null } }],
      };
      s.updated_at = now;
      return json(200, s);
    });
  }

  private convert(id: string, format: string | null, origin: string) {
    return this.found(id, (s) => {
      if (!s.postage_label) return error(422, "SHIPMENT.POSTAGE.NOT_PURCHASED", "This shipment has no postage to convert.");
      const f = format?.toUpperCase();
      if (f !== "ZPL" && f !== "PDF" && f !== "EPL2") return error(422, "PARAMETER.INVALID", "Unsupported file_format.", [{ field: "file_format", message: "is invalid" }]);
      const ext = f.toLowerCase();
      s.postage_label = { ...s.postage_label, updated_at: stamp(), [`label_${ext}_url`]: `${origin}/files/postage_label/${id}.${ext}` };
      return json(200, s);
    });
  }

  private refund(id: string) {
    return this.found(id, (s) => {
      if (!s.postage_label) return error(422, "SHIPMENT.REFUND.UNAVAILABLE", "This shipment has no postage to refund.");
      if (s.refund_status && s.refund_status !== "rejected") return error(422, "SHIPMENT.REFUND.ALREADY_SUBMITTED", "A refund was already requested for this shipment.");
      s.refund_status = "submitted";
      return json(200, s);
    });
  }

  private createScanForm(body: { shipments?: { id: string }[] }, origin: string, mode: string) {
    const shipments = (body?.shipments ?? []).map((x) => this.shipments.get(x.id));
    if (!shipments.length || shipments.some((s) => !s || !s.postage_label || s.refund_status)) {
      return error(422, "SCAN_FORM.VALIDATION.INVALID_SHIPMENTS", "Every shipment of a scan form must be bought and not refunded.");
    }
    const taken = shipments.filter((s) => s!.scan_form);
    if (taken.length) {
      return error(422, "SCAN_FORM.VALIDATION.SHIPMENT_ON_FORM", "Shipment(s) already belong to a scan form.", taken.map((s) => `${s!.id} is on ${s!.scan_form.id}`));
    }
    const carriers = new Set(shipments.map((s) => familyOf(s!.selected_rate!.carrier)));
    if (carriers.size > 1) return error(422, "SCAN_FORM.VALIDATION.MULTIPLE_CARRIERS", "A scan form holds one carrier's shipments.");
    const id = `sf_${hex()}`;
    const now = stamp();
    const today = now.slice(0, 10);
    const early = shipments.filter((s) => String(s!.postage_label!.label_date).slice(0, 10) < today);
    const form: Record<string, any> = {
      id, object: "ScanForm", mode, status: early.length ? "failed" : "creating", created_at: now, updated_at: now, batch_id: null, confirmation: null,
      message: early.length ? `Unable to create manifest. Label date of ${early.map((s) => s!.tracking_code).join(", ")} is before the manifest date ${today}` : null,
      address: shipments[0]!.from_address, tracking_codes: early.length ? [] : shipments.map((s) => s!.tracking_code), form_url: null, form_file_type: null,
    };
    this.scanForms.set(id, form);
    if (!early.length) for (const s of shipments) s!.scan_form = { id, object: "ScanForm" };
    this.formGets.set(id, 0);
    return json(200, form);
  }

  private getScanForm(id: string, origin: string) {
    const form = this.scanForms.get(id);
    if (!form) return error(404, "NOT_FOUND", "The requested resource could not be found.", ["No scan form with that id."]);
    const gets = (this.formGets.get(id) ?? 0) + 1;
    this.formGets.set(id, gets);
    if (form.status === "creating" && gets >= (this.options.scanFormGets ?? 1)) {
      Object.assign(form, { status: "created", form_url: `${origin}/files/scan_form/${id}.pdf`, updated_at: stamp() });
    }
    return json(200, form);
  }

  /** Makes a bought label look bought on an earlier day (its `label_date`), as a label kept overnight is. */
  backdate(id: string, days: number) {
    const s = this.shipments.get(id);
    if (s?.postage_label) s.postage_label.label_date = new Date(Date.now() - days * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
  }

  private async document(id: string, ext: "pdf" | "zpl" | "epl2" | "png") {
    const s = this.shipments.get(id);
    if (!s?.postage_label || !String(s.postage_label[ext === "png" ? "label_url" : `label_${ext}_url`] ?? "").endsWith(`.${ext}`)) return new Response("Not Found", { status: 404 });
    if (ext === "png") return new Response(PNG, { headers: { "content-type": "image/png" } });
    const to = s.to_address;
    const lines = [`${s.selected_rate!.carrier} ${s.selected_rate!.service}`, `TRACKING ${s.tracking_code}`, `TO ${to.name ?? ""}`, `${to.street1 ?? ""} ${to.city ?? ""} ${to.zip ?? ""}`, "EASYPOST STAND-IN LABEL"];
    if (ext === "epl2") {
      const epl = `\nN\nq812\nQ1218,24\n${lines.map((l, i) => `A40,${60 + i * 50},0,4,1,1,N,"${l.replace(/"/g, "'")}"`).join("\n")}\nB40,400,0,1,3,3,160,N,"${s.tracking_code}"\nP1\n`;
      return new Response(epl, { headers: { "content-type": "application/octet-stream" } });
    }
    if (ext === "zpl") {
      const zpl = `^XA^CI28\n${lines.map((l, i) => `^FO40,${60 + i * 60}^A0N,36,36^FD${l}^FS`).join("\n")}\n^FO40,400^BY3^BCN,160,Y,N,N^FD${s.tracking_code}^FS\n^XZ\n`;
      return new Response(zpl, { headers: { "content-type": "text/plain" } });
    }
    return new Response(await labelPdf(lines), { headers: { "content-type": "application/pdf" } });
  }

  /**
   * Moves a bought shipment's tracker on, as a carrier scan would, and answers the `tracker.updated`
   * Event EasyPost would push (its recorded shape: `description`, `result` the Tracker). For tests.
   */
  moveTracker(shipmentId: string, status: string, message: string, at = new Date().toISOString().replace(/\.\d+Z$/, "Z"), city = "Memphis") {
    const s = this.shipments.get(shipmentId);
    if (!s?.tracker) throw new Error(`no tracker for ${shipmentId}`);
    const t = s.tracker;
    t.tracking_details = [...t.tracking_details, { object: "TrackingDetail", datetime: at, status, status_detail: status, message, source: t.carrier, tracking_location: { object: "TrackingLocation", city, state: "TN", country: "US", zip: null } }];
    Object.assign(t, { status, status_detail: status, updated_at: at });
    return { object: "Event", id: `evt_${hex()}`, mode: s.mode, description: "tracker.updated", previous_attributes: {}, pending_urls: [], completed_urls: [], created_at: at, updated_at: at, result: JSON.parse(JSON.stringify(t)) };
  }

  private pickupFound(id: string, then: (p: Record<string, any>) => Response) {
    const p = this.pickups.get(id);
    return p ? then(p) : error(404, "NOT_FOUND", "The requested resource could not be found.", ["No pickup with that id."]);
  }

  /**
   * A Pickup as EasyPost's recorded traffic shows it: `unknown` with `pickup_rates` from each carrier
   * that serves the window (USPS free, UPS and FedEx priced), or none and a `rate_error` message for a
   * window in the past.
   */
  private createPickup(body: { pickup?: Record<string, any> }, mode: string) {
    const input = body?.pickup;
    if (!input?.address || !input.min_datetime || !input.max_datetime) return error(422, "PARAMETER.REQUIRED", "Missing required parameter.", [{ field: "pickup", message: "cannot be blank" }]);
    const shipment = this.shipments.get(input.shipment?.id);
    if (!shipment) return error(422, "PICKUP.SHIPMENT.INVALID", "The shipment could not be found.");
    const id = `pickup_${hex()}`;
    const now = stamp();
    const past = Date.parse(input.min_datetime) < Date.now();
    const family = familyOf(shipment.selected_rate?.carrier ?? "USPS");
    const prices: Record<string, [string, string]> = { USPS: ["NextDay", "0.00"], UPS: ["Future-day Pickup", "8.20"], FedEx: ["FDXG", "5.00"] };
    const [service, rate] = prices[family] ?? prices.USPS;
    const carrier = shipment.selected_rate?.carrier ?? "USPS";
    const pickup = {
      object: "Pickup", id, created_at: now, updated_at: now, mode, status: "unknown", reference: input.reference ?? null,
      min_datetime: input.min_datetime, max_datetime: input.max_datetime, is_account_address: !!input.is_account_address, instructions: input.instructions ?? null,
      messages: past ? [{ carrier, type: "rate_error", message: "The Date you supplied occurs in the past or did not meet the 2:00 am (CST) cutoff for today." }] : [],
      confirmation: null, address: { id: `adr_${hex()}`, object: "Address", mode, ...input.address, verifications: {} }, carrier_accounts: [],
      pickup_rates: past ? [] : [{ id: `pickuprate_${hex()}`, object: "PickupRate", mode, service, carrier, rate, currency: "USD", pickup_id: id, created_at: now, updated_at: now }],
    };
    this.pickups.set(id, pickup);
    return json(200, pickup);
  }

  private buyPickup(id: string, body: { carrier?: string; service?: string }) {
    return this.pickupFound(id, (p) => {
      if (p.status === "scheduled") return error(422, "PICKUP.ALREADY_SCHEDULED", "This pickup has already been scheduled.");
      const rate = p.pickup_rates.find((r: any) => r.carrier === body?.carrier && r.service === body?.service);
      if (!rate) return error(422, "PICKUP.BUY.NO_MATCHING_RATES", "Unable to purchase pickup, no rates matching your request were found.");
      const digits = [...id.slice(7)].map((c) => parseInt(c, 16) % 10).join("");
      Object.assign(p, { status: "scheduled", confirmation: familyOf(rate.carrier) === "USPS" ? `WTC${digits.slice(0, 8)}` : `${familyOf(rate.carrier).toUpperCase()}${digits.slice(0, 9)}`, updated_at: stamp() });
      return json(200, p);
    });
  }

  private cancelPickup(id: string) {
    return this.pickupFound(id, (p) => {
      if (p.status !== "scheduled") return error(422, "PICKUP.CANNOT_CANCEL", "This pickup cannot be canceled.");
      Object.assign(p, { status: "canceled", updated_at: stamp() });
      return json(200, p);
    });
  }

  private async formDocument(id: string) {
    const s = this.shipments.get(id);
    const c = s?.customs_info;
    if (!s?.forms?.length || !c) return new Response("Not Found", { status: 404 });
    return new Response(await labelPdf(["COMMERCIAL INVOICE (stand-in)", `TRACKING ${s.tracking_code}`, `SIGNER ${c.customs_signer}`,
      ...c.customs_items.map((i: any) => `${i.quantity} ${i.description} ${i.hs_tariff_number} ${i.value}`)]), { headers: { "content-type": "application/pdf" } });
  }

  private async scanFormDocument(id: string) {
    const form = this.scanForms.get(id);
    if (!form || form.status !== "created") return new Response("Not Found", { status: 404 });
    return new Response(await labelPdf(["USPS SCAN FORM (stand-in)", ...(form.tracking_codes as string[])]), { headers: { "content-type": "application/pdf" } });
  }
}

/** EasyPost's CustomsInfo as its recorded answer shows it: ids, `value` as a decimal string, `weight` a float. */
function customsInfoOf(c: Record<string, any>, mode: string, now: string) {
  return {
    id: `cstinfo_${hex()}`, object: "CustomsInfo", created_at: now, updated_at: now, mode, declaration: null, restriction_comments: null,
    contents_explanation: c.contents_explanation ?? "", contents_type: c.contents_type, customs_certify: !!c.customs_certify, customs_signer: c.customs_signer,
    eel_pfc: c.eel_pfc, non_delivery_option: c.non_delivery_option, restriction_type: c.restriction_type ?? "none",
    customs_items: (c.customs_items ?? []).map((i: Record<string, any>) => ({
      id: `cstitem_${hex()}`, object: "CustomsItem", created_at: now, updated_at: now, mode, description: i.description, hs_tariff_number: i.hs_tariff_number,
      origin_country: i.origin_country, quantity: i.quantity, value: String(Number(i.value).toFixed(1)), weight: Number(i.weight), code: null,
      manufacturer: null, currency: null, eccn: null, printed_commodity_identifier: null,
    })),
  };
}

/** A tracking number in the carrier's shape, fixed for the shipment id (USPS abroad: a UPU S10 number). */
function trackingFor(family: string, id: string, abroad = false): string {
  const digits = [...id.slice(4)].map((c) => parseInt(c, 16) % 10).join("").padEnd(20, "0");
  if (family === "USPS" && abroad) {
    const serial = digits.slice(0, 8);
    const sum = [8, 6, 4, 2, 3, 5, 9, 7].reduce((a, w, i) => a + w * Number(serial[i]), 0);
    const check = 11 - (sum % 11);
    return `CP${serial}${check === 10 ? 0 : check === 11 ? 5 : check}US`;
  }
  if (family === "USPS") return `94001${digits.slice(0, 17)}`;
  if (family === "UPS") return `1Z${id.slice(4, 20).toUpperCase()}`;
  return digits.slice(0, 12);
}

async function labelPdf(lines: readonly string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([288, 432]);
  lines.forEach((l, i) => page.drawText(l.slice(0, 48), { x: 18, y: 400 - i * 18, size: 11, font }));
  return doc.save();
}
