// One batch: status, counts and progress that move live (the stream), buying against the balance,
// cancelling, the label files as they arrive, and the shipments table.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { asProblem, call, cents, FINAL_STATUSES, idempotencyKey, money, Problem, type Batch, type ShipmentStatus } from "./api";
import { useAction } from "./action";
import { LabelFiles } from "./LabelFiles";
import { watchBatch } from "./live";
import { useSession } from "./session-context";
import { ShipmentsTable } from "./Shipments";
import { formatTime, PageHeading, ProblemText, StatusWord } from "./ui";
import { COUNT_WORDS, useServiceNames } from "./words";

const PAGE = 50;
const COUNTS = ["total", "validating", "valid", "invalid", "queued", "purchased", "purchase_failed", "voided"] as const;

/** Runs `fn` at most once per `ms`, the last call winning: a 10,000-shipment batch changes many times a second. */
function useThrottled(fn: () => void, ms: number) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => { timer.current = undefined; latest.current(); }, ms);
  }, [ms]);
}

export function BatchPage({ id }: { id: string }) {
  const { client, refreshAccount } = useSession();
  const [batch, setBatch] = useState<Batch | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [trouble, setTrouble] = useState<string | null>(null);
  const [recovering, setRecovering] = useState(false);
  const [shipStatus, setShipStatus] = useState<ShipmentStatus | "">("");
  const [page, setPage] = useState(1);

  const load = useCallback(async () => {
    try {
      const b = await call(client.GET("/v1/batches/{id}", {
        params: { path: { id }, query: { shipments_page: page, shipments_limit: PAGE, ...(shipStatus ? { shipments_status: shipStatus } : {}) } },
      }));
      setBatch(b);
      setProblem(null);
    } catch (e) {
      setProblem(asProblem(e));
    }
  }, [client, id, page, shipStatus]);
  useEffect(() => { void load(); }, [load]);
  const reloadSoon = useThrottled(() => void load(), 500);
  const balanceSoon = useThrottled(refreshAccount, 1500);

  const batchId = batch?.id;
  const final = batch ? FINAL_STATUSES.includes(batch.status) : false;
  useEffect(() => {
    if (!batchId || final) return;
    return watchBatch(client, batchId, {
      onBatch: (d) => {
        // The stream's fields are the summary's own: take them now, and the shipments page shortly.
        setBatch((b) => (b && d.updated_at >= b.updated_at ? { ...b, ...d } : b));
        reloadSoon();
        if (d.status !== "validating") balanceSoon();
      },
      onTrouble: (message) => setTrouble(message),
      onRecovery: () => setRecovering(true),
    });
  }, [client, batchId, final]);

  // While labels are bought the balance moves with every purchase: the header follows it.
  const buying = batch?.status === "purchasing";
  useEffect(() => {
    if (!buying) return;
    const t = setInterval(refreshAccount, 1000);
    return () => { clearInterval(t); refreshAccount(); };
  }, [buying, refreshAccount]);

  // New label sets and SCAN forms are written after the batch is final, when no stream is open: poll
  // the batch until the last of them is ready.
  const writing = !!batch && final && (batch.label_sets.some((s) => s.status === "generating") || batch.scan_forms.some((f) => f.status === "generating")
    || batch.pickups.some((p) => p.status === "scheduling"));
  useEffect(() => {
    if (!writing) return;
    const t = setInterval(() => void load(), 1000);
    return () => clearInterval(t);
  }, [writing, load]);

  // Parcels travel for days after the batch is final (no stream then): the deliveries are read again
  // every few seconds while any is still on its way.
  const ts = batch?.tracking_summary;
  const travelling = !!ts && final && ts.tracked > (ts.counts.delivered ?? 0) + (ts.counts.return_to_sender ?? 0) + (ts.counts.failure ?? 0);
  useEffect(() => {
    if (!travelling) return;
    const t = setInterval(() => void load(), 3000);
    return () => clearInterval(t);
  }, [travelling, load]);

  if (!batch) {
    return problem ? (<><PageHeading>Batch</PageHeading><ProblemText problem={problem} /><p><a href="#/">Back to batches</a></p></>) : <p role="status">Loading…</p>;
  }
  const pct = batch.completion_percentage;
  return (
    <>
      <PageHeading>{batch.reference ?? batch.name ?? "Batch"}</PageHeading>
      <p class="hint">{batch.id} · {batch.mode} mode · created {formatTime(batch.created_at)} · {batch.via === "file" ? "from a CSV file" : "from the API"}</p>
      <ProblemText problem={problem} />
      {trouble && <p class="notice" role="status">{trouble}</p>}
      {recovering && <p class="notice" role="status">This batch is recovering work that was interrupted; nothing is bought twice.</p>}
      <section aria-labelledby="progress-heading" class="progress-panel">
        <h2 id="progress-heading">Progress</h2>
        <p aria-live="polite">Status: <StatusWord status={batch.status} /></p>
        <div class="progress" role="progressbar" aria-label="Purchase progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}
          aria-valuetext={`${pct}% of purchases finished`}>
          <div class="progress-fill" style={{ width: `${pct}%` }} />
        </div>
        <p>{pct}% of purchases finished{batch.total_amount !== "0.00" && `; ${money(batch.total_amount, batch.currency)} charged`}</p>
        <dl class="counts">
          {COUNTS.map((w) => <div key={w}><dt>{COUNT_WORDS[w]}</dt><dd>{batch.counts[w].toLocaleString("en-US")}</dd></div>)}
        </dl>
        {batch.tracking_summary && batch.tracking_summary.tracked > 0 && <Deliveries summary={batch.tracking_summary} />}
      </section>
      {(batch.status === "ready" || batch.status === "invalid") && <BuyPanel batch={batch} changed={() => { void load(); refreshAccount(); }} />}
      {batch.status === "validating" && <p role="status">Validating and rating {batch.counts.validating.toLocaleString("en-US")} shipments…</p>}
      {["validating", "invalid", "ready"].includes(batch.status) && <CancelBatch batch={batch} changed={() => void load()} />}
      <LabelFiles batch={batch} changed={() => void load()} />
      <ShipmentsTable batch={batch} status={shipStatus} onStatus={(s) => { setPage(1); setShipStatus(s); }} page={page} limit={PAGE} onPage={setPage}
        changed={() => void load()} />
    </>
  );
}

function BuyPanel({ batch, changed }: { batch: Batch; changed: () => void }) {
  const { client, account } = useSession();
  const names = useServiceNames(client);
  const [skip, setSkip] = useState(false);
  const { busy, problem, setProblem, run } = useAction(changed);
  const total = batch.rate_summary.reduce((s, r) => s + cents(r.amount), 0);
  const count = batch.rate_summary.reduce((s, r) => s + r.count, 0);
  const balance = account ? cents(account.balance) : NaN;
  // The total is shown only once it covers every valid shipment; until then there is nothing to approve.
  const known = count === batch.counts.valid && count > 0;

  async function buy() {
    if (!known) return;
    if (batch.status === "invalid" && !skip) {
      setProblem(new Problem("invalid", `${batch.counts.invalid} shipment${batch.counts.invalid === 1 ? " is" : "s are"} invalid: fix or remove ${batch.counts.invalid === 1 ? "it" : "them"} below, or choose to skip invalid shipments.`));
      return;
    }
    // The amount shown is the amount approved: if the service would charge another, it buys nothing.
    await run(() => call(client.POST("/v1/batches/{id}/purchase", {
      params: { path: { id: batch.id }, header: { "Idempotency-Key": idempotencyKey() } },
      body: { skip_invalid: skip, expected_amount: (total / 100).toFixed(2) },
    })));
  }

  return (
    <section aria-labelledby="buy-heading" class="buy">
      <h2 id="buy-heading">Buy</h2>
      {known ? (
        <p>
          {count.toLocaleString("en-US")} valid shipment{count === 1 ? "" : "s"}: total to be charged <strong>{money(total, batch.currency)}</strong>
          {account && <> against a balance of <strong>{money(account.balance, account.currency)}</strong></>}.
        </p>
      ) : <p role="status">Working out the total to be charged…</p>}
      {known && batch.rate_summary.length > 1 && (
        <ul class="summary" aria-label="By service">
          {batch.rate_summary.map((r) => <li key={r.service}>{names.service(r.service)}: {r.count.toLocaleString("en-US")} shipment{r.count === 1 ? "" : "s"}, {money(r.amount, batch.currency)}</li>)}
        </ul>
      )}
      {known && total > balance && <p class="warning">The balance does not cover this total: purchases past it will fail with “Insufficient prepay balance”.</p>}
      {batch.status === "invalid" && (
        <div class="check">
          <input id="skip-invalid" type="checkbox" checked={skip} onChange={(e) => setSkip((e.target as HTMLInputElement).checked)} />
          <label for="skip-invalid">Skip invalid shipments ({batch.counts.invalid}) and buy the rest</label>
        </div>
      )}
      <ProblemText problem={problem} />
      <button type="button" disabled={busy || !known} onClick={buy}>Buy labels</button>
    </section>
  );
}

function CancelBatch({ batch, changed }: { batch: Batch; changed: () => void }) {
  const { client } = useSession();
  const [asking, setAsking] = useState(false);
  const { busy, problem, run } = useAction(() => { setAsking(false); changed(); });
  const cancel = () => run(() => call(client.POST("/v1/batches/{id}/cancel", { params: { path: { id: batch.id }, header: { "Idempotency-Key": idempotencyKey() } } })));
  return (
    <div class="cancel">
      {!asking ? <button type="button" class="secondary" onClick={() => setAsking(true)}>Cancel batch</button> : (
        <div role="group" aria-label="Cancel this batch?">
          <p>Cancel this batch? Nothing has been bought; this cannot be undone.</p>
          <button type="button" class="danger" disabled={busy} onClick={cancel}>Confirm cancel</button>
          <button type="button" class="secondary" onClick={() => setAsking(false)}>Keep batch</button>
        </div>
      )}
      <ProblemText problem={problem} />
    </div>
  );
}

const TRACKING_WORDS: Record<string, string> = {
  pre_transit: "Label created", in_transit: "In transit", out_for_delivery: "Out for delivery", delivered: "Delivered",
  available_for_pickup: "Held for pickup", return_to_sender: "Returned", failure: "Delivery failed", unknown: "Unknown",
};

/** The batch's deliveries: a bar next to the purchase bar, the counts by tracking status, and the exceptions with their last message. */
function Deliveries({ summary }: { summary: NonNullable<Batch["tracking_summary"]> }) {
  const pct = summary.delivered_percentage;
  return (
    <div class="deliveries">
      <div class="progress" role="progressbar" aria-label="Deliveries" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}
        aria-valuetext={`${pct}% of tracked parcels delivered`}>
        <div class="progress-fill delivered" style={{ width: `${pct}%` }} />
      </div>
      <p>{pct}% of {summary.tracked.toLocaleString("en-US")} tracked parcel{summary.tracked === 1 ? "" : "s"} delivered</p>
      <dl class="counts">
        {Object.entries(summary.counts).map(([status, n]) => <div key={status}><dt>{TRACKING_WORDS[status] ?? status}</dt><dd>{(n ?? 0).toLocaleString("en-US")}</dd></div>)}
      </dl>
      {summary.exceptions.length > 0 && (
        <>
          <h3>Exceptions</h3>
          <ul class="exceptions" aria-label="Delivery exceptions">
            {summary.exceptions.map((e) => (
              <li key={e.shipment_id}><strong>#{e.position}{e.reference ? ` (${e.reference})` : ""}</strong>: {TRACKING_WORDS[e.status] ?? e.status}{e.message ? `: ${e.message}` : ""}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
