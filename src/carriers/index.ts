import { sandboxRate } from "./sandbox/rates";
import type { CarrierAdapter } from "./types";

export const sandbox: CarrierAdapter = { rate: sandboxRate };

/** Test mode always uses the sandbox; live mode will use the adapter configured by secrets. */
export function adapterFor(_mode: "test" | "live"): CarrierAdapter {
  return sandbox;
}
