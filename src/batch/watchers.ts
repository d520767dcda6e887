// The live stream's watchers: every open GET /v1/batches/{id}/stream is a writer here. The batch's
// object hands each change to this manager and never touches a connection itself.
const ENCODER = new TextEncoder();
const HEARTBEAT_MS = 15_000; // a comment line this often keeps proxies from closing an idle stream

export class Watchers {
  private writers = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  /** A new stream that starts with `first`; it is closed at once when `final`. */
  open(first: { event: string; id: string; data: unknown }, final: boolean): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    this.write(writer, first.event, first.id, first.data);
    if (final) writer.close().catch(() => undefined);
    else {
      this.writers.add(writer);
      this.heartbeat ??= setInterval(() => {
        for (const w of this.writers) w.write(ENCODER.encode(": ping\n\n")).catch(() => this.writers.delete(w));
      }, HEARTBEAT_MS);
    }
    return new Response(readable, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
  }

  get size() {
    return this.writers.size;
  }

  /** Sends one event to every watcher; with `final`, closes every stream after it. */
  send(event: string, id: string, data: unknown, final = false) {
    for (const w of this.writers) {
      this.write(w, event, id, data);
      if (final) w.close().catch(() => undefined);
    }
    if (final) {
      this.writers.clear();
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private write(writer: WritableStreamDefaultWriter<Uint8Array>, event: string, id: string, data: unknown) {
    writer.write(ENCODER.encode(`event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`)).catch(() => this.writers.delete(writer));
  }
}
