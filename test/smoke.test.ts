import { describe, expect, it } from "vitest";
import { api, createBatch, newAccount, settle, shipment } from "./helpers";

describe("smoke", () => {
  it("creates and validates a batch", async () => {
    const { key } = await newAccount();
    const created = await createBatch(key, { shipments: [shipment(), shipment({ to_address: { name: "x", street1: "y", city: "z", state: "ZZ", zip: "1" } })] });
    expect(created.status).toBe("validating");
    const b = await settle(key, created.id);
    expect(b.status).toBe("invalid");
    expect(b.counts).toMatchObject({ total: 2, valid: 1, invalid: 1 });
    expect(b.shipments.data[1].errors).toMatchObject({ "to_address.zip": ["Invalid ZIP code"], "to_address.state": ["Unknown US state ZZ"] });
    expect(b.shipments.data[0].rate.amount).toMatch(/^\d+\.\d\d$/);
    const h = await api(null, "/health");
    expect(h.status).toBe(200);
  });
});
