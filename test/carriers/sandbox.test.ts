import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sandboxCarrier } from "../../src/carriers/sandbox";
import { findService } from "../../src/carriers/services";
import type { PurchaseRequest } from "../../src/carriers/types";
import type { StoredAddress } from "../../src/schemas/address";

const address = (name: string, zip: string) => ({ name, street1: "1 Main St", city: "Springfield", state: "IL", zip, country: "US" }) as StoredAddress;
const requests = (prefix: string, n: number): PurchaseRequest[] => Array.from({ length: n }, (_, i) => ({
  service: findService("usps_priority")!, from: address("W", "89501"), to: address(`C${i}`, "62701"),
  parcel: { weight_oz: 10, length_in: 10, width_in: 8, height_in: 4 }, idempotency_key: `${prefix}-${i}`, reference: null, attempt: 1,
}));
const carrier = (declineRate: number, transientRate: number) => sandboxCarrier(env.DB, { declineRate, transientRate, latencyMs: 0 });

// The SANDBOX_* variables let a merchant rehearse failures; the draws behind them are skipped at rate 0.
describe("sandbox failure injection", () => {
  it("declines or times out every purchase at rate 1, and none at rate 0", async () => {
    const declined = await carrier(1, 0).purchase(requests("decline", 20));
    expect(declined.every((o) => !o.ok && !o.transient)).toBe(true);
    const transient = await carrier(0, 1).purchase(requests("transient", 20));
    expect(transient.every((o) => !o.ok && o.transient)).toBe(true);
    const bought = await carrier(0, 0).purchase(requests("decline", 20));
    expect(bought.every((o) => o.ok)).toBe(true);
  });

  it("at a rate in between, some of each, the same ones again for the same keys", async () => {
    const first = (await carrier(0.5, 0).purchase(requests("half", 200))).map((o) => o.ok);
    const declined = first.filter((ok) => !ok).length;
    expect(declined).toBeGreaterThan(50);
    expect(declined).toBeLessThan(150);
    // Bought ones are remembered (a repeat returns the same label); declined ones draw the same again.
    expect((await carrier(0.5, 0).purchase(requests("half", 200))).map((o) => o.ok)).toEqual(first);
  });
});
