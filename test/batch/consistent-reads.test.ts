// Every read of a batch comes from one state: status, counts, rate_summary and totals agree, in the
// API's reads and in the stream's events, while a batch validates and while it buys.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createBatch, newAccount, shipment } from "../helpers";

type Read = { status: string; counts: Record<string, number>; rate_summary?: { count: number; amount: string }[]; total_amount: string };

/** What must hold of any one read: a summary that counts exactly the shipments that are valid, queued or bought. */
function agrees(r: Read) {
  const chosen = r.counts.valid + r.counts.queued + r.counts.purchased;
  const summarized = (r.rate_summary ?? []).reduce((a, x) => a + x.count, 0);
  return chosen === summarized;
}

describe("consistent reads", () => {
  it("reads every few milliseconds while 2,000 shipments validate and are bought: no read's summary disagrees with its counts", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: Array.from({ length: 2000 }, (_, i) => shipment({ reference: i % 97 === 0 ? `r-${i} sandbox:decline` : `r-${i}` })) });
    const reads: Read[] = [];
    let bought = false;
    const until = Date.now() + 90_000;
    while (Date.now() < until) {
      const r = (await api(key, `/v1/batches/${b.id}?shipments_limit=1`)).json as Read;
      reads.push(r);
      if (r.status === "ready" && !bought) {
        bought = true;
        expect((await api(key, `/v1/batches/${b.id}/purchase`, { body: {} })).status).toBe(202);
      }
      if (r.status === "completed") break;
      await new Promise((res) => setTimeout(res, 3));
    }
    expect(reads.at(-1)!.status).toBe("completed");
    expect(reads.at(-1)!.counts.purchase_failed).toBeGreaterThan(0);
    const ready = reads.filter((r) => r.status === "ready");
    expect(ready.length).toBeGreaterThan(0);
    expect(reads.filter((r) => r.status !== "validating" && !agrees(r)).map((r) => [r.status, r.counts, r.rate_summary])).toEqual([]);
  });

  it("the stream's events carry the summary with the counts, so a client that follows it never shows a total that does not add up", async () => {
    const { key } = await newAccount();
    const b = await createBatch(key, { shipments: Array.from({ length: 50 }, () => shipment()) });
    const res = await exports.default.fetch(new Request(`https://api.test/v1/batches/${b.id}/stream`, { headers: { authorization: `Bearer ${key}` } }));
    const reader = res.body!.getReader();
    const events: Read[] = [];
    let text = "";
    for (let i = 0; i < 200 && !events.some((e) => e.status === "ready"); i++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      for (const m of text.matchAll(/^data: (.*)$/gm)) events.push(JSON.parse(m[1]));
      text = text.slice(text.lastIndexOf("\n") + 1);
    }
    await reader.cancel();
    const ready = events.find((e) => e.status === "ready")!;
    expect(ready.rate_summary).toBeDefined();
    expect(agrees(ready)).toBe(true);
  });
});
