import { sandboxCarrier, switchesFrom } from "./sandbox";
import { sandboxRate } from "./sandbox/rates";
import type { CarrierAdapter } from "./types";

/**
 * Test mode always buys from the sandbox. Live mode needs a real provider configured by secrets;
 * until one is, every live purchase fails with a clear message and nothing pretends to buy.
 */
export function carrierFor(env: Env, mode: "test" | "live"): CarrierAdapter {
  if (mode === "test") return sandboxCarrier(env.DB, switchesFrom(env));
  return {
    rate: sandboxRate,
    purchase: async (requests) => requests.map(() => ({
      ok: false as const, transient: false, message: "Live purchases need a configured carrier account; none is configured for this service.",
    })),
    void: async (keys) => keys.map((key) => ({ key, outcome: "not_sold" as const })),
  };
}

/** Rating rules are the published rate card in both modes. */
export const rateShipment = sandboxRate;
