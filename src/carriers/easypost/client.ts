// EasyPost's REST API (v2) over fetch: Basic auth with the key, JSON bodies, errors as
// `{ error: { code, message, errors } }`. A 429 waits the provider's Retry-After and lowers the pace;
// 5xx, time-outs and network errors are tried again with backoff; what still fails is `transient` for
// the queue to retry, except 4xx answers, which are final.
import { Pace } from "./pace";

export type ProviderError = { status: number; code: string; message: string; errors: { field?: string; message: string }[] };
export type CallResult<T> = { ok: true; body: T } | { ok: false; transient: boolean; error: ProviderError };

const TRIES = 3;
const CALL_TIMEOUT_MS = 20_000;
const MAX_RETRY_AFTER_MS = 30_000;
const paces = new Map<string, Pace>();

export class EasyPostClient {
  readonly pace: Pace;

  constructor(readonly baseUrl: string, private readonly apiKey: string, concurrency: number) {
    // One pace per provider account in an isolate: every consumer batch it runs shares the provider's limit.
    const id = `${baseUrl} ${apiKey.slice(-6)}`;
    this.pace = paces.get(id) ?? new Pace(concurrency);
    paces.set(id, this.pace);
  }

  call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<CallResult<T>> {
    return this.pace.run(() => this.attempt<T>(method, path, body));
  }

  /** A document the provider points at (label or form URL): fetched with the same retries, no key sent. */
  async file(url: string): Promise<CallResult<Uint8Array>> {
    return this.pace.run(async () => {
      let last: ProviderError = { status: 0, code: "FILE.UNREACHABLE", message: "The label file could not be fetched", errors: [] };
      for (let i = 0; i < TRIES; i++) {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
          if (res.ok) return { ok: true as const, body: new Uint8Array(await res.arrayBuffer()) };
          await res.body?.cancel();
          last = { ...last, status: res.status, message: `The label file answered ${res.status}` };
          if (res.status < 500) return { ok: false as const, transient: false, error: last };
        } catch (err) {
          last = { ...last, message: `The label file could not be fetched: ${(err as Error).message}` };
        }
        await sleep(backoffMs(i));
      }
      return { ok: false as const, transient: true, error: last };
    });
  }

  private async attempt<T>(method: string, path: string, body: unknown): Promise<CallResult<T>> {
    let last: ProviderError = { status: 0, code: "NETWORK", message: "EasyPost could not be reached", errors: [] };
    for (let i = 0; i < TRIES; i++) {
      let res: Response;
      try {
        res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: { authorization: `Basic ${btoa(`${this.apiKey}:`)}`, accept: "application/json", ...(body ? { "content-type": "application/json" } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
        });
      } catch (err) {
        last = { ...last, message: `EasyPost could not be reached: ${(err as Error).message}` };
        await sleep(backoffMs(i));
        continue;
      }
      const text = await res.text();
      let parsed: any = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      if (res.ok) {
        this.pace.succeeded();
        return { ok: true, body: parsed as T };
      }
      last = readError(res.status, parsed);
      if (res.status === 429) {
        const after = Math.min(MAX_RETRY_AFTER_MS, retryAfterMs(res.headers.get("retry-after")) ?? backoffMs(i));
        this.pace.throttled(after);
        await sleep(after);
        continue;
      }
      if (res.status < 500) return { ok: false, transient: false, error: last };
      await sleep(backoffMs(i));
    }
    return { ok: false, transient: true, error: last };
  }
}

/**
 * EasyPost's error body in either of its recorded shapes: `errors` as `{ field, message }` objects, or
 * as plain strings (claims, among others); `message` as a string, or now and then a list of them.
 */
export function readError(status: number, body: any): ProviderError {
  const e = body?.error;
  const text = (m: unknown): string => (Array.isArray(m) ? m.map(text).join(", ") : m && typeof m === "object" ? JSON.stringify(m) : String(m ?? ""));
  const errors = (Array.isArray(e?.errors) ? e.errors : []).map((x: unknown) =>
    (typeof x === "string" ? { message: x } : { field: (x as any)?.field ?? undefined, message: text((x as any)?.message) }));
  return { status, code: String(e?.code ?? `HTTP.${status}`), message: text(e?.message) || `EasyPost answered ${status}`, errors };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const backoffMs = (i: number) => 200 * 2 ** i;

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
