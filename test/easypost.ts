// The EasyPost stand-in every test shares: the Worker's fetches to EASYPOST_BASE_URL (easypost.test,
// see vitest.config.ts) are answered by it, in this isolate. Installed once, under any test's own spies.
import { EasyPostStandIn } from "../src/carriers/easypost/standin";

export const standIn = new EasyPostStandIn({ apiKey: "EZAK_standin_live" });

const HOST = "easypost.test";
const g = globalThis as { __easypostInstalled?: boolean };
if (!g.__easypostInstalled) {
  g.__easypostInstalled = true;
  const real = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    return new URL(req.url).hostname === HOST ? standIn.handle(req) : real(input, init);
  }) as typeof fetch;
}

/** Calls the stand-in answered since `from` (an index into `standIn.calls`). */
export const callsSince = (from: number) => standIn.calls.slice(from).map((c) => `${c.method} ${c.path}`);
