import { describe, expect, it } from "vitest";
import { api, countRows, newAccount, shipment } from "../helpers";

describe("Idempotency-Key", () => {
  it("a repeat with the same key and body returns the first response and creates nothing twice", async () => {
    const { key, id } = await newAccount();
    const body = { reference: "idem", shipments: [shipment({ reference: "same" })] };
    const first = await api(key, "/v1/batches", { body, headers: { "idempotency-key": "k-1" } });
    const second = await api(key, "/v1/batches", { body, headers: { "idempotency-key": "k-1" } });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.text).toBe(first.text);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await countRows("batches", "account_id = ?", id)).toBe(1);
  });

  it("the same key with another body is 409 idempotency_key_reused", async () => {
    const { key, id } = await newAccount();
    await api(key, "/v1/batches", { body: { reference: "a" }, headers: { "idempotency-key": "k-2" } });
    const res = await api(key, "/v1/batches", { body: { reference: "b" }, headers: { "idempotency-key": "k-2" } });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("idempotency_key_reused");
    expect(await countRows("batches", "account_id = ?", id)).toBe(1);
  });

  it("concurrent repeats run the action once", async () => {
    const { key, id } = await newAccount();
    const send = () => api(key, "/v1/batches", { body: { reference: "race" }, headers: { "idempotency-key": "k-3" } });
    const results = await Promise.all([send(), send(), send()]);
    expect(results.filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect([202, 409]).toContain(r.status);
    expect(await countRows("batches", "account_id = ?", id)).toBe(1);
  });

  it("replays an error response too, and keys are per account", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const bad = await api(a.key, "/v1/batches", { body: { label_format: "gif" }, headers: { "idempotency-key": "k-4" } });
    const again = await api(a.key, "/v1/batches", { body: { label_format: "gif" }, headers: { "idempotency-key": "k-4" } });
    expect([bad.status, again.status]).toEqual([400, 400]);
    expect(again.text).toBe(bad.text);
    const other = await api(b.key, "/v1/batches", { body: { reference: "mine" }, headers: { "idempotency-key": "k-4" } });
    expect(other.status).toBe(202);
  });

  it("a multipart upload sent again (new boundary) replays", async () => {
    const { key, id } = await newAccount();
    const form = () => {
      const f = new FormData();
      f.set("file", new File(["reference,to_name\nr-1,Ada"], "a.csv"));
      return f;
    };
    const first = await api(key, "/v1/batches", { raw: form(), headers: { "idempotency-key": "k-5" } });
    const second = await api(key, "/v1/batches", { raw: form(), headers: { "idempotency-key": "k-5" } });
    expect(second.text).toBe(first.text);
    expect(await countRows("batches", "account_id = ?", id)).toBe(1);
  });
});
