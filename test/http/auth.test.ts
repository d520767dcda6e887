import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { KEY_CACHE_MS } from "../../src/http/auth";
import { sha256Hex } from "../../src/lib/hash";
import { api, newAccount } from "../helpers";

describe("authentication", () => {
  it("accepts Bearer and Basic (key as user, empty password)", async () => {
    const { key, id } = await newAccount("25.00");
    expect((await api(key, "/v1/account")).json).toEqual({ id, object: "account", mode: "test", balance: "25.00", currency: "USD" });
    const basic = await api(null, "/v1/account", { headers: { authorization: `Basic ${btoa(`${key}:`)}` } });
    expect(basic.status).toBe(200);
    expect(basic.json.id).toBe(id);
  });

  it("refuses no key, an unknown key, a malformed header and a revoked key with 401", async () => {
    const { key } = await newAccount();
    const cases = [
      await api(null, "/v1/batches"),
      await api("sk_test_unknown", "/v1/batches"),
      await api(null, "/v1/batches", { headers: { authorization: "Token abc" } }),
      await api(null, "/v1/batches", { headers: { authorization: "Basic !!!" } }),
      // A valid key with something after it, or with a password, is not a valid header.
      await api(null, "/v1/batches", { headers: { authorization: `Bearer ${key} junk` } }),
      await api(null, "/v1/batches", { headers: { authorization: `Basic ${btoa(`${key}:secret`)}` } }),
      await api(null, "/v1/batches", { headers: { authorization: `Basic ${btoa(key)}` } }),
    ];
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE key_hash = ?").bind(new Date().toISOString(), await sha256Hex(key)).run();
    cases.push(await api(key, "/v1/batches"));
    for (const res of cases) {
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("unauthorized");
    }
  });

  it("stops accepting a revoked key once its cached lookup expires", async () => {
    const { key } = await newAccount();
    expect((await api(key, "/v1/account")).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE key_hash = ?").bind(new Date().toISOString(), sha256Hex(key)).run();
    const now = Date.now();
    const clock = vi.spyOn(Date, "now");
    try {
      clock.mockReturnValue(now + KEY_CACHE_MS - 1_000);
      expect((await api(key, "/v1/account")).status).toBe(200);
      clock.mockReturnValue(now + KEY_CACHE_MS + 1_000);
      const res = await api(key, "/v1/account");
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("unauthorized");
    } finally {
      clock.mockRestore();
    }
  });

  it("stores only the key's hash", async () => {
    const { key } = await newAccount();
    const rows = await env.DB.prepare("SELECT * FROM api_keys").all();
    expect(JSON.stringify(rows.results)).not.toContain(key);
  });

  it("takes the mode from the key", async () => {
    const { key } = await newAccount("1.00", "live");
    expect((await api(key, "/v1/account")).json.mode).toBe("live");
    const b = await api(key, "/v1/batches", { body: {} });
    expect(b.json.mode).toBe("live");
  });
});

describe("response headers", () => {
  it("every response says nosniff; an account's own answers are not cached, the error ones included", async () => {
    const { key } = await newAccount();
    const health = await api(null, "/health");
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
    for (const res of [await api(key, "/v1/account"), await api(key, "/v1/batches/batch_nope"), await api(null, "/v1/account")]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    }
  });
});
