// End to end through the client generated from the OpenAPI document: if the document were wrong
// (paths, parameters, bodies, response shapes), these calls would not type-check or would fail.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { batchLabelsClient } from "../../src/client";
import { newAccount, settle, shipment } from "../helpers";

const through = (key: string) => batchLabelsClient({ baseUrl: "https://api.test", key, fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)) });

describe("the generated client", () => {
  it("creates, fixes, buys and downloads a batch, and reads typed errors", async () => {
    const { key } = await newAccount();
    const api = through(key);
    const created = await api.POST("/v1/batches", {
      params: { header: { "Idempotency-Key": crypto.randomUUID() } },
      body: { reference: `client-${Date.now()}`, default_service: "cheapest", shipments: [shipment(), shipment({ to_address: { name: "Bad", street1: "1 Main St", city: "Springfield", state: "IL", zip: "6270" } })] as never },
    });
    expect(created.response.status).toBe(202);
    const id = created.data!.id;
    await settle(key, id);
    const invalid = await api.GET("/v1/batches/{id}", { params: { path: { id }, query: { include: "rates" } } });
    expect(invalid.data!.status).toBe("invalid");
    const bad = invalid.data!.shipments.data.find((s) => s.status === "invalid")!;
    const fixed = await api.PATCH("/v1/batches/{id}/shipments/{shipment_id}", { params: { path: { id, shipment_id: bad.id } }, body: { to_address: { zip: "62701" } } });
    expect(fixed.data!.status).toBe("validating");
    await settle(key, id);
    const bought = await api.POST("/v1/batches/{id}/purchase", { params: { path: { id } }, body: { skip_invalid: false } });
    expect(bought.data!.status).toBe("purchasing");
    let batch = (await api.GET("/v1/batches/{id}", { params: { path: { id } } })).data!;
    for (let i = 0; i < 200 && !(batch.status === "completed" && batch.labels.length); i++) {
      await new Promise((r) => setTimeout(r, 50));
      batch = (await api.GET("/v1/batches/{id}", { params: { path: { id } } })).data!;
    }
    expect(batch).toMatchObject({ status: "completed", counts: { purchased: 2 } });
    const file = await api.GET("/v1/batches/{id}/labels/{n}", { params: { path: { id, n: 1 } }, parseAs: "arrayBuffer" });
    expect(file.response.headers.get("content-type")).toBe("application/pdf");
    const refused = await api.POST("/v1/batches/{id}/cancel", { params: { path: { id } } });
    expect(refused.response.status).toBe(409);
    expect(refused.error!.error.code).toBe("invalid_state");
    const account = await api.GET("/v1/account");
    expect(account.data!.mode).toBe("test");
  });
});
