// A batch's live stream in the browser. EventSource cannot send the API key, so each connection opens
// a short-lived signed link from POST /v1/batches/{id}/stream_token. A dropped stream is reopened by
// the browser with the same link; once that link has expired (401), a new token is fetched, with backoff.
import { asProblem, call, FINAL_STATUSES, onThisOrigin, type BatchSummary, type Client, type Problem } from "./api";

export type LiveBatch = Pick<BatchSummary, "id" | "status" | "counts" | "completion_percentage" | "total_amount" | "labels" | "updated_at">;

export type LiveHandlers = {
  onBatch: (data: LiveBatch) => void;
  /** The connection's state, in words, or null while it is live. */
  onTrouble: (message: string | null, problem?: Problem) => void;
  onRecovery?: (data: unknown) => void;
};

export function watchBatch(client: Client, batchId: string, h: LiveHandlers): () => void {
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let failures = 0;

  const retry = () => {
    const ms = Math.min(30_000, 1000 * 2 ** failures++);
    timer = setTimeout(open, ms);
  };

  async function open() {
    if (stopped) return;
    let url: string;
    try {
      url = onThisOrigin((await call(client.POST("/v1/batches/{id}/stream_token", { params: { path: { id: batchId } } }))).url);
    } catch (e) {
      h.onTrouble("Live updates are paused: the stream could not be opened. Retrying…", asProblem(e));
      return retry();
    }
    if (stopped) return;
    const es = new EventSource(url);
    source = es;
    es.addEventListener("open", () => {
      failures = 0;
      h.onTrouble(null);
    });
    es.addEventListener("batch", (ev) => {
      const data = JSON.parse((ev as MessageEvent<string>).data) as LiveBatch;
      h.onBatch(data);
      // The server closes the stream after a final status; without this the browser would reconnect.
      if (FINAL_STATUSES.includes(data.status)) {
        es.close();
        source = null;
      }
    });
    es.addEventListener("recovery", (ev) => h.onRecovery?.(JSON.parse((ev as MessageEvent<string>).data)));
    es.addEventListener("error", () => {
      if (source !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        source = null;
        h.onTrouble("Live updates are paused. Reconnecting…");
        retry();
      } else {
        h.onTrouble("Live updates are paused. Reconnecting…");
      }
    });
  }

  void open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
    source = null;
  };
}
