// API requests go first. Where one isolate both answers clients and runs queue consumers or a batch's
// alarm (always in `wrangler dev`, sometimes on Cloudflare), a client polling its batch would otherwise
// wait behind label rendering. Background work calls `backgroundTurn()` between units of work: it lets
// whatever is queued run, then waits while this isolate has requests in flight — never longer than
// MAX_WAIT_MS a turn, so steady traffic slows background work instead of stopping it.
// Only background code may call it: a request waiting for its own turn would wait the full MAX_WAIT_MS.
export const MAX_WAIT_MS = 100;

let inFlight = 0;
let waiting: (() => void)[] = [];

export function requestStarted() {
  inFlight++;
}

export function requestFinished() {
  if (--inFlight > 0) return;
  const wake = waiting;
  waiting = [];
  for (const w of wake) w();
}

export const requestsInFlight = () => inFlight;

/**
 * A timer, not a resolved promise: the runtime reads its sockets only when nothing else is ready, and
 * calls between a Durable Object and D1 inside one process never leave it idle, so a long chain of
 * them would keep new requests out (in `wrangler dev`, for as long as validating 10,000 shipments
 * takes). Safe anywhere, requests included: it waits for nothing but the event loop.
 */
export const letRequestsIn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function backgroundTurn(): Promise<void> {
  await letRequestsIn();
  if (inFlight === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await new Promise<void>((resolve) => {
    waiting.push(resolve);
    timer = setTimeout(resolve, MAX_WAIT_MS);
  });
  clearTimeout(timer);
}
