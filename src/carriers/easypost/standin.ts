// A local stand-in of EasyPost's REST API (v2), for tests and for `npm run dev` pointed at it. Its
// status codes and body shapes follow EasyPost's own recorded traffic (the official client libraries'
// cassettes): Shipment objects with `rates`, `selected_rate`, `postage_label`, `tracking_code` and
// `refund_status`; ScanForm objects; errors as `{ error: { code, message, errors } }`. It keeps its
// books in memory and sells each shipment's postage once (`SHIPMENT.POSTAGE.EXISTS` after that).
// Runs in workerd (the tests route fetches to `handle`) and in Node 22 (src/cli/easypost-standin.mjs),
// so it uses web APIs only and imports nothing but pdf-lib.
import { PDFDocument, StandardFonts } from "pdf-lib";

export type Fault = { method?: string; path: string; status: number; code?: string; message?: string; retry_after?: number; times?: number };
export type StandInOptions = { latencyMs?: number; apiKey?: string; requestsPerSecond?: number };

type Rate = { id: string; object: "Rate"; mode: string; service: string; carrier: string; rate: string; currency: string; retail_rate: string;
  list_rate: string; delivery_days: number | null; est_delivery_days: number | null; delivery_date: null; delivery_date_guaranteed: boolean;
  shipment_id: string; carrier_account_id: string; created_at: string; updated_at: string };
type Shipment = Record<string, unknown> & { id: string; rates: Rate[]; selected_rate: Rate | null; postage_label: Record<string, unknown> | null;
  tracking_code: string | null; refund_status: string | null; reference: string | null };

// Carrier, service and account, with a per-pound price, as EasyPost's carrier metadata names them.
const CATALOGUE = [
  ["USPS", "GroundAdvantage", 5.05, 0.9, 5], ["USPS", "Priority", 8.1, 1.55, 3], ["USPS", "Express", 27.9, 3.05, 1],
  ["UPS", "Ground", 10.2, 1.15, 5], ["UPS", "2ndDayAir", 20.95, 2.85, 2], ["UPS", "NextDayAir", 43.8, 5.1, 1],
  ["FedEx", "FEDEX_GROUND", 10.05, 1.12, 5], ["FedEx", "FEDEX_2_DAY", 20.4, 2.8, 2], ["FedEx", "STANDARD_OVERNIGHT", 41.9, 4.95, 1],
] as const;

const hex = (n = 32) => Array.from(crypto.getRandomValues(new Uint8Array(n / 2)), (b) => b.toString(16).padStart(2, "0")).join("");
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", "x-ep-request-uuid": hex(), ...headers } });
const error = (status: number, code: string, message: string, errors: unknown[] = [], headers: Record<string, string> = {}) =>
  json(status, { error: { code, message, errors } }, headers);

export class EasyPostStandIn {
  readonly shipments = new Map<string, Shipment>();
  readonly scanForms = new Map<string, Record<string, unknown>>();
  readonly calls: { method: string; path: string; at: number }[] = [];
  private faults: Fault[] = [];
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

  reset() {
    this.shipments.clear();
    this.scanForms.clear();
    this.calls.length = 0;
    this.faults = [];
  }

  /** Labels sold and not refunded, by shipment id. */
  sold(): string[] {
    return [...this.shipments.values()].filter((s) => s.postage_label && !s.refund_status).map((s) => s.id);
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^.*?\/v2(?=\/)/, "");
    const method = request.method;
    this.calls.push({ method, path, at: Date.now() });
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));

    // Label documents are files at their own URLs, as EasyPost serves them from its file store.
    const file = /^\/files\/postage_label\/(shp_\w+)\.(pdf|zpl)$/.exec(url.pathname);
    if (file && method === "GET") return this.document(file[1], file[2] as "pdf" | "zpl");
    if (url.pathname.startsWith("/files/scan_form/") && method === "GET") return this.scanFormDocument(url.pathname.split("/").pop()!.replace(".pdf", ""));

    if (!this.authorized(request)) return error(401, "APIKEY.REQUIRED", "Unauthorized. Please check credentials and try again");
    const fault = this.faults.find((f) => (!f.method || f.method === method) && new RegExp(f.path).test(path));
    if (fault) {
      if (--fault.times! <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return error(fault.status, fault.code ?? "INTERNAL_SERVER_ERROR", fault.message ?? "Injected by the stand-in", [],
        fault.retry_after !== undefined ? { "retry-after": String(fault.retry_after) } : {});
    }
    if (this.options.requestsPerSecond) {
      const now = Date.now();
      if (now - this.windowStart >= 1000) { this.windowStart = now; this.windowCount = 0; }
      if (++this.windowCount > this.options.requestsPerSecond) return error(429, "RATE_LIMITED", "Too many requests", [], { "retry-after": "1" });
    }

    let m: RegExpExecArray | null;
    if (method === "POST" && path === "/shipments") return this.createShipment(await request.json(), url.origin);
    if (method === "GET" && (m = /^\/shipments\/(shp_\w+)$/.exec(path))) return this.found(m[1], (s) => json(200, s));
    if (method === "POST" && (m = /^\/shipments\/(shp_\w+)\/buy$/.exec(path))) return this.buy(m[1], await request.json(), url.origin);
    if (method === "GET" && (m = /^\/shipments\/(shp_\w+)\/label$/.exec(path))) return this.convert(m[1], url.searchParams.get("file_format"), url.origin);
    if (method === "POST" && (m = /^\/shipments\/(shp_\w+)\/refund$/.exec(path))) return this.refund(m[1]);
    if (method === "POST" && path === "/scan_forms") return this.createScanForm(await request.json(), url.origin);
    return error(404, "NOT_FOUND", "The requested resource could not be found.");
  }

  private authorized(request: Request) {
    const header = request.headers.get("authorization") ?? "";
    const key = /^Bearer (.+)$/.exec(header)?.[1] ?? (header.startsWith("Basic ") ? atob(header.slice(6)).replace(/:$/, "") : "");
    return key.length > 0 && (!this.options.apiKey || key === this.options.apiKey);
  }

  private found(id: string, then: (s: Shipment) => Response | Promise<Response>) {
    const s = this.shipments.get(id);
    return s ? then(s) : error(404, "SHIPMENT.NOT_FOUND", "The requested resource could not be found.");
  }

  private createShipment(body: { shipment?: Record<string, any> }, origin: string): Response {
    const input = body?.shipment;
    if (!input) return error(422, "PARAMETER.REQUIRED", "Missing required parameter.", [{ field: "shipment", message: "cannot be blank" }]);
    const to = input.to_address ?? {};
    const parcel = input.parcel ?? {};
    const missing = ["street1", "city", "zip"].filter((f) => !to[f]);
    if (missing.length) {
      return error(422, "ADDRESS.VERIFY.FAILURE", "Unable to verify address.", missing.map((f) => ({ field: `to_address.${f}`, message: "cannot be blank" })));
    }
    // A street the stand-in cannot deliver to, as the carrier's address check would refuse it.
    if (/undeliverable/i.test(to.street1) || to.zip === "00000") {
      return error(422, "ADDRESS.VERIFY.FAILURE", "Address not found.", [{ field: "address", message: "Address not found" }]);
    }
    const id = `shp_${hex()}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const weightOz = Number(parcel.weight) || 1;
    const zone = 1 + (Math.abs(Number(String(to.zip).slice(0, 3)) - Number(String(input.from_address?.zip ?? "0").slice(0, 3))) % 8);
    const messages: unknown[] = [];
    const rates: Rate[] = [];
    for (const [carrier, service, base, perLb, days] of CATALOGUE) {
      if (carrier === "USPS" && weightOz > 70 * 16) {
        messages.push({ carrier, type: "rate_error", message: "Weight exceeds the maximum for this service" });
        continue;
      }
      // Remote Alaska (999xx): the ground and air carriers do not serve it here, as for some real ZIPs.
      if (carrier !== "USPS" && String(to.zip).startsWith("999")) {
        messages.push({ carrier, type: "rate_error", message: "Service is not available to this destination" });
        continue;
      }
      const amount = base + perLb * Math.ceil(weightOz / 16) * (1 + zone / 10);
      rates.push({
        id: `rate_${hex()}`, object: "Rate", mode: "test", service, carrier, rate: amount.toFixed(2), currency: "USD",
        retail_rate: (amount * 1.2).toFixed(2), list_rate: (amount * 1.1).toFixed(2), delivery_days: days, est_delivery_days: days,
        delivery_date: null, delivery_date_guaranteed: false, shipment_id: id, carrier_account_id: `ca_${carrier.toLowerCase()}standin`,
        created_at: now, updated_at: now,
      });
    }
    const shipment: Shipment = {
      id, object: "Shipment", mode: "test", created_at: now, updated_at: now, reference: input.reference ?? null, status: "unknown",
      options: { ...(input.options ?? {}), currency: "USD" }, from_address: { object: "Address", ...input.from_address },
      to_address: { object: "Address", ...to }, parcel: { object: "Parcel", ...parcel }, messages, rates,
      selected_rate: null, postage_label: null, tracking_code: null, refund_status: null, scan_form: null, tracker: null, fees: [], usps_zone: zone,
    };
    this.shipments.set(id, shipment);
    return json(201, shipment, { location: `/api/v2/shipments/${id}` });
  }

  private buy(id: string, body: { rate?: { id?: string } }, origin: string) {
    return this.found(id, (s) => {
      if (s.postage_label) return error(422, "SHIPMENT.POSTAGE.EXISTS", "Postage already exists for this shipment.");
      const rate = s.rates.find((r) => r.id === body?.rate?.id);
      if (!rate) return error(422, "SHIPMENT.RATE.INVALID", "The rate id is not one of this shipment's rates.", [{ field: "rate", message: "is invalid" }]);
      if (Number(rate.rate) >= 900) return error(402, "PAYMENT.INSUFFICIENT_FUNDS", "Your EasyPost wallet balance is too low to buy this label.");
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      s.selected_rate = rate;
      s.tracking_code = trackingFor(rate.carrier, id);
      s.postage_label = {
        object: "PostageLabel", id: `pl_${hex()}`, created_at: now, updated_at: now, label_date: now, label_resolution: 300,
        label_size: "4x6", label_type: "default", label_file_type: "application/pdf",
        label_url: `${origin}/files/postage_label/${id}.pdf`, label_pdf_url: `${origin}/files/postage_label/${id}.pdf`,
        label_zpl_url: null, label_epl2_url: null, label_file: null,
      };
      s.fees = [{ object: "Fee", type: "PostageFee", amount: Number(rate.rate).toFixed(5), charged: true, refunded: false }];
      s.updated_at = now;
      return json(200, s);
    });
  }

  private convert(id: string, format: string | null, origin: string) {
    return this.found(id, (s) => {
      if (!s.postage_label) return error(422, "SHIPMENT.POSTAGE.NOT_PURCHASED", "This shipment has no postage to convert.");
      if (format?.toUpperCase() !== "ZPL") return error(422, "PARAMETER.INVALID", "Unsupported file_format.", [{ field: "file_format", message: "is invalid" }]);
      s.postage_label = { ...s.postage_label, label_zpl_url: `${origin}/files/postage_label/${id}.zpl` };
      return json(200, s);
    });
  }

  private refund(id: string) {
    return this.found(id, (s) => {
      if (!s.postage_label) return error(422, "SHIPMENT.REFUND.UNAVAILABLE", "This shipment has no postage to refund.");
      if (s.refund_status) return error(422, "SHIPMENT.REFUND.ALREADY_SUBMITTED", "A refund was already requested for this shipment.");
      s.refund_status = "submitted";
      return json(200, s);
    });
  }

  private createScanForm(body: { shipments?: { id: string }[] }, origin: string) {
    const shipments = (body?.shipments ?? []).map((x) => this.shipments.get(x.id));
    if (!shipments.length || shipments.some((s) => !s || !s.postage_label || s.refund_status)) {
      return error(422, "SCAN_FORM.VALIDATION.INVALID_SHIPMENTS", "Every shipment of a scan form must be bought and not refunded.");
    }
    const carriers = new Set(shipments.map((s) => s!.selected_rate!.carrier));
    if (carriers.size > 1) return error(422, "SCAN_FORM.VALIDATION.MULTIPLE_CARRIERS", "A scan form holds one carrier's shipments.");
    const id = `sf_${hex()}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const form = {
      id, object: "ScanForm", status: "created", message: null, created_at: now, updated_at: now, batch_id: null, confirmation: null,
      address: shipments[0]!.from_address, tracking_codes: shipments.map((s) => s!.tracking_code),
      form_url: `${origin}/files/scan_form/${id}.pdf`, form_file_type: null,
    };
    this.scanForms.set(id, form);
    return json(200, form);
  }

  private async document(id: string, ext: "pdf" | "zpl") {
    const s = this.shipments.get(id);
    if (!s?.postage_label || (ext === "zpl" && !s.postage_label.label_zpl_url)) return new Response("Not Found", { status: 404 });
    const lines = [`${s.selected_rate!.carrier} ${s.selected_rate!.service}`, `TRACKING ${s.tracking_code}`, `TO ${(s.to_address as any).name ?? ""}`, "EASYPOST STAND-IN LABEL"];
    if (ext === "zpl") {
      const zpl = `^XA^CI28\n${lines.map((l, i) => `^FO40,${60 + i * 60}^A0N,36,36^FD${l}^FS`).join("\n")}\n^FO40,400^BY3^BCN,160,Y,N,N^FD${s.tracking_code}^FS\n^XZ\n`;
      return new Response(zpl, { headers: { "content-type": "text/plain" } });
    }
    return new Response(await labelPdf(lines), { headers: { "content-type": "application/pdf" } });
  }

  private async scanFormDocument(id: string) {
    const form = this.scanForms.get(id);
    if (!form) return new Response("Not Found", { status: 404 });
    return new Response(await labelPdf(["USPS SCAN FORM (stand-in)", ...(form.tracking_codes as string[])]), { headers: { "content-type": "application/pdf" } });
  }
}

/** A tracking number in the carrier's shape, fixed for the shipment id. */
function trackingFor(carrier: string, id: string): string {
  const digits = [...id.slice(4)].map((c) => parseInt(c, 16) % 10).join("").padEnd(20, "0");
  if (carrier === "USPS") return `94001${digits.slice(0, 17)}`;
  if (carrier === "UPS") return `1Z${id.slice(4, 20).toUpperCase()}`;
  return digits.slice(0, 12);
}

async function labelPdf(lines: readonly string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([288, 432]);
  lines.forEach((l, i) => page.drawText(l.slice(0, 48), { x: 18, y: 400 - i * 18, size: 11, font }));
  return doc.save();
}
