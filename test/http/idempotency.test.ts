import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api, countRows, isFinal, newAccount, readyBatch, shipment, waitFor } from "../helpers";

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

describe("Idempotency-Key after a request died", () => {
  /** The request runs, and its server dies before it records the answer: the key stays in progress. */
  async function dies<T>(run: () => Promise<T>): Promise<T> {
    const store = await import("../../src/db/idempotency");
    const spy = vi.spyOn(store, "complete").mockResolvedValue(undefined as never);
    try {
      return await run();
    } finally {
      spy.mockRestore();
    }
  }
  const leaseRunsOut = (accountId: string, key: string) =>
    env.DB.prepare("UPDATE idempotency_keys SET locked_until = ? WHERE account_id = ? AND key = ?").bind(new Date(Date.now() - 1).toISOString(), accountId, key).run();

  it("a create: while the lease holds a retry is 409 request_in_progress; after it, the retry takes the key over and answers the one batch made", async () => {
    const { key, id } = await newAccount();
    const body = { reference: "died", shipments: [shipment()] };
    const first = await dies(() => api(key, "/v1/batches", { body, headers: { "idempotency-key": "d-1" } }));
    expect(first.status).toBe(202);
    const during = await api(key, "/v1/batches", { body, headers: { "idempotency-key": "d-1" } });
    expect([during.status, during.json.error.code]).toEqual([409, "request_in_progress"]);
    await leaseRunsOut(id, "d-1");
    const retry = await api(key, "/v1/batches", { body, headers: { "idempotency-key": "d-1" } });
    expect(retry.status).toBe(202);
    expect(retry.json.id).toBe(first.json.id);
    expect(await countRows("batches", "account_id = ?", id)).toBe(1);
    const replay = await api(key, "/v1/batches", { body, headers: { "idempotency-key": "d-1" } });
    expect([replay.headers.get("idempotent-replayed"), replay.json.id]).toEqual(["true", first.json.id]);
  });

  it("a purchase: the retry after the lease answers the purchase the dead request started; each shipment is bought once", async () => {
    const { key, id } = await newAccount();
    const b = await readyBatch(key, 3);
    const first = await dies(() => api(key, `/v1/batches/${b.id}/purchase`, { body: {}, headers: { "idempotency-key": "d-2" } }));
    expect(first.status).toBe(202);
    await leaseRunsOut(id, "d-2");
    const retry = await api(key, `/v1/batches/${b.id}/purchase`, { body: {}, headers: { "idempotency-key": "d-2" } });
    expect(retry.status).toBe(202);
    expect(retry.json).toMatchObject({ id: b.id });
    const done = await waitFor(key, b.id, isFinal);
    expect(done.counts.purchased).toBe(3);
    expect(await countRows("ledger", "account_id = ? AND kind = 'debit'", id)).toBe(3);
    // Another request (another key) is still refused: the batch is being bought.
    expect((await api(key, `/v1/batches/${b.id}/purchase`, { body: {}, headers: { "idempotency-key": "d-3" } })).status).toBe(409);
  });
});
