import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { address, api, countRows, from, newAccount, settle, shipment } from "../helpers";

describe("service endpoints", () => {
  it("GET /health needs no key", async () => {
    const res = await api(null, "/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("GET /v1/carriers lists every sandbox service with its limits", async () => {
    const { key } = await newAccount();
    const res = await api(key, "/v1/carriers");
    expect(res.json.data.map((c: any) => c.id)).toEqual(["usps", "ups", "fedex"]);
    const services = res.json.data.flatMap((c: any) => c.services.map((s: any) => s.id));
    expect(services).toEqual(["usps_ground_advantage", "usps_priority", "usps_priority_express", "usps_first_class_international",
      "usps_priority_international", "usps_priority_express_international", "ups_ground", "ups_2nd_day_air", "ups_next_day_air",
      "ups_worldwide_saver", "ups_worldwide_expedited", "fedex_ground", "fedex_2day", "fedex_standard_overnight",
      "fedex_international_priority", "fedex_international_economy"]);
    expect(res.json.data[0].services[1]).toMatchObject({ max_weight_oz: 1120, max_length_plus_girth_in: 108 });
  });

  it("unknown routes are 404 not_found and known paths with the wrong method 405", async () => {
    const { key } = await newAccount();
    const nope = await api(key, "/v1/nothing-here");
    expect(nope.status).toBe(404);
    expect(nope.json).toEqual({ error: { code: "not_found", message: expect.any(String) } });
    const wrong = await api(key, "/v1/batches", { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.json.error.code).toBe("method_not_allowed");
    expect(wrong.headers.get("allow")).toContain("GET");
    expect((await api(null, "/elsewhere")).status).toBe(404);
  });

  it("/openapi.json is OpenAPI 3.1 with every route, generated from the request schemas", async () => {
    const res = await api(null, "/openapi.json");
    expect(res.json.openapi).toBe("3.1.0");
    const paths = Object.keys(res.json.paths);
    for (const p of ["/v1/batches", "/v1/batches/{id}", "/v1/batches/{id}/shipments", "/v1/batches/{id}/add_shipments",
      "/v1/batches/{id}/remove_shipments", "/v1/batches/{id}/shipments/{shipment_id}", "/v1/batches/{id}/cancel",
      "/v1/account", "/v1/carriers", "/v1/events", "/v1/events/{id}", "/v1/batches/{id}/purchase",
      "/v1/batches/{id}/shipments/{shipment_id}/void", "/v1/batches/{id}/labels", "/v1/batches/{id}/labels/{n}",
      "/v1/batches/{id}/shipments/{shipment_id}/label", "/v1/batches/{id}/scan_form", "/v1/batches/{id}/label_sets/{label_set_id}/archive", "/v1/batches/{id}/stream", "/v1/batches/{id}/stream_token",
      "/v1/webhooks", "/v1/webhooks/{id}", "/v1/batches/{id}/pickups", "/v1/batches/{id}/pickups/{pickup_id}/cancel",
      "/v1/batches/{id}/customs_forms/{n}"]) expect(paths).toContain(p);
    expect(Object.keys(res.json.paths["/v1/webhooks"])).toEqual(expect.arrayContaining(["get", "post"]));
    expect(res.json.paths["/v1/batches/{id}/purchase"].post.responses["202"]).toBeDefined();
    const create = res.json.components.schemas.BatchCreate;
    expect(create.properties.label_format.enum).toEqual(["pdf", "zpl", "epl2"]);
    expect(create.properties.shipments.maxItems).toBe(10000);
    expect(res.json.components.schemas.BatchStatus.enum).toContain("generating_labels");
  });

  it("/docs renders the reference page", async () => {
    const res = await api(null, "/docs");
    expect(res.status).toBe(200);
    expect(res.text).toContain("/openapi.json");
    // Everything it loads comes from this server: it works offline.
    const sources = [...res.text.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(["/docs/scalar.js"]);
    expect(res.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i);
    // No inline script: the configuration is a data attribute, so the CSP allows scripts from this origin only.
    expect([...res.text.matchAll(/<script[^>]*>([^<]*)<\/script>/g)].map((m) => m[1].trim())).toEqual(["", ""]);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'.*script-src 'self';.*connect-src 'self'/);
    expect(JSON.parse(/data-configuration='([^']+)'/.exec(res.text)![1])).toMatchObject({ withDefaultFonts: false, proxyUrl: "", agent: { disabled: true }, telemetry: false });
    // Served as a static asset, before the Worker runs.
    const script = await env.ASSETS.fetch("https://api.test/docs/scalar.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    await script.body?.cancel();
  });
});

describe("limits and failures", () => {
  it("the largest batch, 10,000 shipments with every field filled (about 8 MB), is taken and validated within Workers' 128 MB", async () => {
    // vitest.config.ts caps each isolate's heap at 128 MB; here the test runner, the handler and the
    // batch's object even share one isolate, so this is stricter than Cloudflare.
    const { key } = await newAccount();
    // Every optional address field filled: the realistic upper end of a shipment's size.
    const full = (i: number) => ({
      company: `Company Number ${i} Incorporated`, street2: `Suite ${i % 900} Building C`, phone: "+1 415 555 0100", email: `customer.${i}@example-shop.com`,
    });
    const shipments = Array.from({ length: 10_000 }, (_, i) => shipment({
      reference: `order-${i}`, carrier: "usps", service: "usps_priority",
      from_address: from(full(i)), to_address: address({ ...full(i), name: `Customer ${i}`, street1: `${1 + (i % 9000)} Main Street` }),
      parcel: { weight_oz: 1 + (i % 200), length_in: 10, width_in: 8, height_in: 4 },
      metadata: { order_id: `ORD-2026-${i}`, channel: "shopify", gift: i % 2 === 0, note: "Leave at the side door if nobody answers, thanks!" },
    }));
    const raw = JSON.stringify({ reference: "largest", shipments });
    expect(raw.length).toBeGreaterThan(7_500_000);
    const created = await api(key, "/v1/batches", { raw, headers: { "content-type": "application/json" } });
    expect(created.status).toBe(202);
    const done = await settle(key, created.json.id);
    expect(done).toMatchObject({ status: "ready", counts: { total: 10_000, valid: 10_000 } });
  }, 120_000);

  it("over the per-account budget answers 429 rate_limited with Retry-After; other accounts go on", async () => {
    const { key, id } = await newAccount();
    const other = await newAccount();
    const { env } = await import("cloudflare:workers");
    const { vi } = await import("vitest");
    // The binding is Cloudflare's; what is ours is asking it per account and answering its "no".
    const spy = vi.spyOn(env.RATE_LIMITER, "limit").mockImplementation(async ({ key: k }) => ({ success: k !== id }));
    const limited = await api(key, "/v1/batches", { body: {} });
    // A read runs alongside the limiter's answer; over budget, its result is dropped all the same.
    const limitedRead = await api(key, "/v1/account");
    const fine = await api(other.key, "/v1/account");
    spy.mockRestore();
    expect(limitedRead.status).toBe(429);
    expect(limitedRead.json).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });
    expect(limited.headers.get("retry-after")).toBe("10");
    expect(fine.status).toBe(200);
    expect(await countRows("batches", "account_id = ?", id)).toBe(0);
  });

  it("an unexpected failure is 500 internal_error with the request id and no stack", async () => {
    const { key } = await newAccount();
    const { env } = await import("cloudflare:workers");
    const { vi } = await import("vitest");
    const spy = vi.spyOn(env.DB, "prepare").mockImplementationOnce(() => {
      throw new Error("disk on fire at /secret/path.ts:12");
    });
    const res = await api(key, "/v1/account");
    spy.mockRestore();
    expect(res.status).toBe(500);
    const id = res.headers.get("x-request-id")!;
    expect(id).toMatch(/^req_/);
    expect(res.json).toEqual({ error: { code: "internal_error", message: expect.stringContaining(id) } });
    expect(res.text).not.toMatch(/fire|secret|\.ts/);
  });
});
