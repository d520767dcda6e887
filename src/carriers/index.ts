import { easypostCarrier } from "./easypost";
import { sandboxCarrier, switchesFrom } from "./sandbox";
import { sandboxRate } from "./sandbox/rates";
import type { CarrierAdapter } from "./types";

/** Live accounts buy through EasyPost once its key is set (`wrangler secret put EASYPOST_API_KEY`). */
export const liveProviderConfigured = (env: Env) => Boolean(env.EASYPOST_API_KEY);

/**
 * Test mode always buys from the sandbox and never calls EasyPost. Live mode buys through EasyPost;
 * without its key every live purchase fails with a clear message and nothing pretends to buy.
 * `books` is where the adapter keeps and finds its records: the batch's own (batch/books.ts).
 */
export function carrierFor(env: Env, mode: "test" | "live", books: D1Database): CarrierAdapter {
  if (mode === "test") return sandboxCarrier(books, switchesFrom(env));
  if (liveProviderConfigured(env)) return easypostCarrier(env, books);
  const message = "Live purchases need a configured carrier account (EASYPOST_API_KEY); none is configured for this service.";
  return {
    rate: sandboxRate,
    cannotBuy: message,
    purchase: async (requests) => requests.map(() => ({ ok: false as const, transient: false, message })),
    void: async (keys) => keys.map((key) => ({ key, outcome: "not_sold" as const })),
    quotePickup: async () => ({ ok: false as const, transient: false, message }),
    buyPickup: async () => ({ ok: false as const, transient: false, message }),
    cancelPickup: async () => ({ ok: true as const }),
  };
}

/** Rating rules are the published rate card in both modes. */
export const rateShipment = sandboxRate;
