// The money module on its own: debits and credits once per shipment, never below zero, and refunds
// that credit only after the carrier took the label back.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as sandbox from "../src/carriers/sandbox";
import { adjust, credit, debit, refundAtCarrier, undoPurchases, voidRefundStatus } from "../src/money";
import { insuranceFeeCents, parseProviderAmount } from "../src/lib/money";
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
    await expect(undoPurchases(env, { id: "none", mode: "test" }, ["u1"], env.DB)).rejects.toThrow("carrier down");
    expect(await balanceCents(id)).toBe(700);
    vi.restoreAllMocks();
    expect(await undoPurchases(env, { id: "none", mode: "test" }, ["u1"], env.DB)).toEqual([{ key: "u1", outcome: "not_sold" }]);
    expect(order).toEqual(["void"]);
    expect(await balanceCents(id)).toBe(1000);
  });

  it("a refund at the carrier says what to record: the sandbox voids, a provider's refund is submitted", async () => {
    const [outcome] = await refundAtCarrier(env, { id: "none", mode: "test" }, ["never-sold"], env.DB);
    expect(outcome).toEqual({ key: "never-sold", outcome: "not_sold" });
    expect(voidRefundStatus({ key: "k", outcome: "refund_submitted" })).toBe("submitted");
    expect(voidRefundStatus({ key: "k", outcome: "voided" })).toBeNull();
  });
});

describe("money: what the provider billed", () => {
  it("an adjustment takes or gives back the difference once; a void credits what was charged, adjustment included", async () => {
    const { id } = await newAccount("10.00");
    await debit(env.DB, [{ account_id: id, shipment_id: "a1", cents: 500 }, { account_id: id, shipment_id: "a2", cents: 300 }], now());
    expect(await adjust(env.DB, [{ shipment_id: "a1", charged_cents: 525 }, { shipment_id: "a2", charged_cents: 250 }, { shipment_id: "never", charged_cents: 99 }], now()))
      .toEqual([{ shipment_id: "a1", outcome: "adjusted" }, { shipment_id: "a2", outcome: "adjusted" }, { shipment_id: "never", outcome: "none" }]);
    expect(await balanceCents(id)).toBe(1000 - 525 - 250);
    expect((await adjust(env.DB, [{ shipment_id: "a1", charged_cents: 900 }], now()))[0].outcome).toBe("already_adjusted");
    expect(await balanceCents(id)).toBe(225);
    await credit(env.DB, ["a1", "a2", "a1"], "void", now());
    expect(await balanceCents(id)).toBe(1000);
    expect(await env.DB.prepare("SELECT cents FROM ledger WHERE shipment_id = 'a1' AND kind = 'credit'").first("cents")).toBe(525);
  });

  it("an adjustment the balance cannot cover takes nothing and says so; the balance never dips below zero", async () => {
    const { id } = await newAccount("5.00");
    await debit(env.DB, [{ account_id: id, shipment_id: "b1", cents: 400 }], now());
    expect(await adjust(env.DB, [{ shipment_id: "b1", charged_cents: 600 }], now())).toEqual([{ shipment_id: "b1", outcome: "insufficient" }]);
    expect(await balanceCents(id)).toBe(100);
    expect(await countRows("ledger", "shipment_id = 'b1' AND kind = 'adjustment'")).toBe(0);
  });

  it("provider amounts: five decimals round half up to the cent; insurance is 1% of the declared value, at least $0.50", () => {
    expect(["5.07000", "0.50000", "6.07", "0.00499", "0.00500", "12", "1.5"].map(parseProviderAmount)).toEqual([507, 50, 607, 0, 1, 1200, 150]);
    expect(() => parseProviderAmount("-1.00")).toThrow();
    expect([10000, 5000, 1000, 1, 0, 24999].map(insuranceFeeCents)).toEqual([100, 50, 50, 50, 0, 250]);
  });
});
