// The money module on its own: debits and credits once per shipment, never below zero, and refunds
// that credit only after the carrier took the label back.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as sandbox from "../src/carriers/sandbox";
import { credit, debit, refundAtCarrier, refundStatusOf, undoPurchases } from "../src/money";
import { balanceCents, countRows, newAccount } from "./helpers";

const now = () => new Date().toISOString();
afterEach(() => vi.restoreAllMocks());

describe("money", () => {
  it("debits each shipment once, in list order, never below zero", async () => {
    const { id } = await newAccount("10.00");
    const first = await debit(env.DB, [{ account_id: id, shipment_id: "m1", cents: 600 }, { account_id: id, shipment_id: "m2", cents: 600 }], now());
    expect(first.map((r) => r.outcome)).toEqual(["debited", "insufficient"]);
    const again = await debit(env.DB, [{ account_id: id, shipment_id: "m1", cents: 999 }], now());
    expect(again).toEqual([{ outcome: "already_debited", cents: 600 }]);
    expect(await balanceCents(id)).toBe(400);
  });

  it("credits back what was debited, once; a shipment never debited gets nothing", async () => {
    const { id } = await newAccount("10.00");
    await debit(env.DB, [{ account_id: id, shipment_id: "c1", cents: 250 }], now());
    await credit(env.DB, ["c1", "c1", "never"], "refund", now());
    await credit(env.DB, ["c1"], "void", now());
    expect(await balanceCents(id)).toBe(1000);
    expect(await countRows("ledger", "shipment_id = 'c1' AND kind = 'credit'")).toBe(1);
    expect(await countRows("ledger", "shipment_id = 'never'")).toBe(0);
  });

  it("an undo voids at the carrier before it credits; if the carrier cannot be asked, nothing is credited", async () => {
    const { id } = await newAccount("10.00");
    await debit(env.DB, [{ account_id: id, shipment_id: "u1", cents: 300 }], now());
    const order: string[] = [];
    const real = sandbox.sandboxCarrier;
    vi.spyOn(sandbox, "sandboxCarrier").mockImplementation((db, sw) => {
      const c = real(db, sw);
      return { ...c, void: async () => { order.push("void"); throw new Error("carrier down"); } };
    });
    await expect(undoPurchases(env, { mode: "test" }, ["u1"])).rejects.toThrow("carrier down");
    expect(await balanceCents(id)).toBe(700);
    vi.restoreAllMocks();
    expect(await undoPurchases(env, { mode: "test" }, ["u1"])).toEqual([{ key: "u1", outcome: "not_sold" }]);
    expect(order).toEqual(["void"]);
    expect(await balanceCents(id)).toBe(1000);
  });

  it("a refund at the carrier says what to record: the sandbox voids, a provider's refund is submitted", async () => {
    const outcome = await refundAtCarrier(env, { mode: "test" }, "never-sold");
    expect(outcome).toEqual({ key: "never-sold", outcome: "not_sold" });
    expect(refundStatusOf({ key: "k", outcome: "refund_submitted" })).toBe("submitted");
    expect(refundStatusOf({ key: "k", outcome: "voided" })).toBeNull();
  });
});
