// How many provider calls run at once. Starts at the configured bound; a 429 halves it and holds
// every new call back for the provider's Retry-After; each success lets it grow again by a fraction
// (additive increase, multiplicative decrease), so a rate limit slows a batch instead of failing it.
export class Pace {
  private limit: number;
  private running = 0;
  private waiting: (() => void)[] = [];
  private resumeAt = 0;

  constructor(readonly max: number) {
    this.limit = max;
  }

  get current() {
    return Math.floor(this.limit);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    while (this.running >= Math.max(1, Math.floor(this.limit))) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      const wait = this.resumeAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** The provider said slow down: fewer at once, and nothing new until `retryAfterMs` has passed. */
  throttled(retryAfterMs: number) {
    this.limit = Math.max(1, this.limit / 2);
    this.resumeAt = Math.max(this.resumeAt, Date.now() + retryAfterMs);
  }

  succeeded() {
    if (this.limit < this.max) {
      this.limit = Math.min(this.max, this.limit + 1 / Math.max(1, this.limit));
      // Room for a waiter that the grown limit now lets in.
      if (this.running < Math.floor(this.limit)) this.waiting.shift()?.();
    }
  }
}
