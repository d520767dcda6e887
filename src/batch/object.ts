import { DurableObject } from "cloudflare:workers";
import { liveProviderConfigured } from "../carriers";
import * as batches from "../db/batches";
import type { BatchRow } from "../db/batches";
import { creditStatements, uncredited } from "../money/ledger";
import type { RefundStatus } from "../carriers/easypost/mapping";
import type { RefundCheckMessage, VoidMessage } from "../rating/messages";
import * as shipments from "../db/shipments";
import type { ShipmentRecord } from "../db/shipments";
import type { ErrorCode, ErrorDetail } from "../http/errors";
import { backgroundTurn, letRequestsIn } from "../lib/foreground";
import { nowIso } from "../lib/time";
import { formatCents } from "../lib/money";
import type { PurchaseMessage, PurchaseResult } from "../purchase/messages";
import type { RatingMessage } from "../rating/messages";
import type { Counts } from "../schemas/batch";
import type { CsvRow } from "../schemas/csv";
import type { ShipmentIn, ShipmentStatus } from "../schemas/shipment";
import type { LabelFile, LabelJob, PickupJob, ScanFormJob, TrackingSweepJob } from "../labels/messages";
import { applyPickupChange, planPickups, storedPickups, windowErrors, type PickupChange, type StoredPickup } from "./pickups";
import type { TrackingStatus } from "../carriers/sandbox/tracking-story";
import { advanceSandbox, allArrived, applyProviderTracker, bumpPreTransit, firstScanMs, moveSummary, movesExceptions, parseTracking, sourceOf, summarize, trackingSwitches, TRACKING_SWEEP_MS, TRACKING_TICK_MS, type Advance, type ProviderTracker, type TrackedRow, type TrackingMove, type TrackingSummary } from "./tracking";
import type { CarrierId } from "../carriers/services";
import { planScanForms, storedScanForms, type ScanFormWrite } from "../labels/scan-forms";
import type { LabelFormat, LabelLayout } from "../labels/merge";
import { markStale, newSet, progress, type LabelSet } from "./label-sets";
import { newId } from "../lib/ids";
import { counted } from "../lib/capacity";
import { addSet, due, finish, firstSetWritten, type Finished, type PlannedFile } from "./label-plan";
import { asD1, LocalSql } from "./local-sql";
import { ensureLocalSchema, hasLocalSchema } from "./local-schema";
import * as own from "./object-sql";
import { applyPatch, toRecord } from "./intake";
import { FINAL_STATUSES, next, type BatchEvent } from "./machine";
import { linkerFor } from "../labels/links";
import { emptyCounts, toBatchSummary } from "./present";
import * as outbox from "./outbox";
import { nextLabelRequeue, nextPurchaseStep, nextRefundCheck, recoveryTiming, REFUND_FOLLOW_MS, START_GRACE_MS, SUMMARY_EVERY_MS, SYNC_RETRY_MS, VOID_GRACE_MS } from "./recovery";
import { BatchStorage } from "./storage";
import { TimerTable, type TimerKind } from "./timers";
import { validateShipment } from "./validate";
import { Watchers } from "./watchers";

export type Refusal = { ok: false; code: ErrorCode; message: string; details?: ErrorDetail[] };
export type Outcome<T = object> = ({ ok: true; row: BatchRow } & T) | Refusal;

// Shipments validated (and, in test mode, rated) per transaction: each page holds the thread, and a
// client's read waits behind it.
const VALIDATION_PAGE = 50;
const TIMER_RETRY_MS = 5_000;
const SEND_BATCH = 100; // Queues accept at most 100 messages a sendBatch.
// Shipments moved to `queued` per statement when a purchase starts. A statement holds the object (and,
// locally, the one thread that also answers clients) for its length: small pages keep each turn short
// enough that a read arriving meanwhile hardly waits.
export const QUEUE_PAGE = 50;
// Refunds asked about in one provider-queue message: their provider ids are read once, their GETs run at the provider's pace.
const REFUND_CHECK_PAGE = 50;

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}
const refuse = (code: ErrorCode, message: string, details?: ErrorDetail[]): never => {
  throw new Refused({ ok: false, code, message, details });
};

/** Per-status counts and the bought total, from `shipments.statusCounts` rows. */
function tallyOf(rows: readonly shipments.StatusCount[]): { counts: Counts; cents: number } {
  const counts = emptyCounts();
  let cents = 0;
  for (const r of rows) {
    counts[r.status] = r.n;
    counts.total += r.n;
    cents += r.cents ?? 0;
  }
  return { counts, cents };
}

type Tally = { counts: Counts; cents: number; rate_summary?: string };
type SummaryLine = { carrier: string; service: string; n: number; cents: number };

/**
 * The counts, bought total and rate summary after purchase results, moved by what they changed
 * (`before`: what each shipment cost while queued) instead of read again from every shipment. A
 * bought shipment stays in its line at what was charged; a failed one leaves it.
 */
export function movedBy(row: BatchRow, recorded: readonly shipments.Recorded[], before: ReadonlyMap<string, shipments.QueuedCost>): Tally {
  const counts = { ...(JSON.parse(row.counts) as Counts) };
  let cents = row.total_cents;
  const lines = new Map((JSON.parse(row.rate_summary ?? "[]") as SummaryLine[]).map((l) => [`${l.carrier} ${l.service}`, { ...l }]));
  for (const r of recorded) {
    counts.queued--;
    counts[r.status]++;
    const was = before.get(r.id);
    const line = was && lines.get(`${was.carrier} ${was.service}`);
    const shown = (was?.rate_cents ?? 0) + (was?.insurance_fee_cents ?? 0);
    if (r.status === "purchased") {
      const paid = r.charged_cents ?? r.rate_cents ?? 0;
      cents += paid;
      if (line) line.cents += paid - shown;
    } else if (line) {
      line.n--;
      line.cents -= shown;
    }
  }
  return { counts, cents, rate_summary: JSON.stringify([...lines.values()].filter((l) => l.n > 0)) };
}

/** What each timer does when it is due; a handler that wants to run again sets its timer again. */
type TimerHandlers = Record<TimerKind, (row: BatchRow) => Promise<BatchRow>>;

/**
 * One instance per batch (`idFromName(batch_id)`): the only code that changes a batch's status, and
 * the home of the batch's data. Its row, shipments, label plan, sets and SCAN forms live in the
 * object's own SQLite (local-schema.ts); every change is one local transaction, so no read sees them
 * disagree. D1 gets what spans batches: a summary row for lists, events, and the ledger's credits,
 * written after each change from what the object owes (`sync`, with a timer if a write fails).
 * Every change runs through `exclusive`, because awaiting D1 or a queue opens the object's input
 * gate and would otherwise let a second request interleave with the first.
 */
export class BatchObject extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly store = new BatchStorage(this.ctx.storage);
  private readonly timers = new TimerTable(this.store);
  private readonly watchers = new Watchers();
  private readonly sqlite = new LocalSql(this.ctx.storage);
  /** The object's SQLite, for the statements of src/db/ written against D1's interface. */
  private readonly local = asD1(this.sqlite);
  /** Set once this object holds its batch's rows (made here, or moved in from D1). */
  private holding = false;
  /** When the summary row was last written to D1 (this instance's memory: a fresh one writes at once). */
  private summaryAt = 0;
  private moving: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    // Counted only for `npm run capacity` (CAPACITY_COUNTERS=1); otherwise the env as given.
    super(ctx, counted(env));
  }

  private exclusive<T extends object>(fn: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
    const run = this.tail.then(fn).catch((err) => {
      if (err instanceof Refused) return err.refusal;
      throw err;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private get db() {
    return this.env.DB;
  }

  private get timing() {
    return recoveryTiming(this.env);
  }

  private async load(batchId: string): Promise<BatchRow> {
    await this.hold(batchId);
    const row = await batches.getBatchById(this.local, batchId);
    if (!row) refuse("not_found", "No such batch.");
    return row!;
  }

  /**
   * Makes sure this object holds its batch's rows: made here, or (a batch made before issue 26) moved
   * in from D1 on first touch. An id no batch has answers not found and leaves no storage behind.
   */
  private async hold(batchId: string): Promise<void> {
    if (this.holding) return;
    if (hasLocalSchema(this.ctx.storage)) {
      ensureLocalSchema(this.sqlite);
      if (await batches.getBatchById(this.local, batchId)) {
        this.holding = true;
        return;
      }
    }
    this.moving ??= this.moveIn(batchId).finally(() => { this.moving = undefined; });
    await this.moving;
  }

  /**
   * A batch that D1 still holds (written by the release before issue 26): its row, shipments, sandbox
   * labels and label plan are copied here in one local transaction; D1's copies of the shipments are
   * then deleted by the `sync` timer. The row stays in D1 as the batch's summary.
   */
  private async moveIn(batchId: string): Promise<void> {
    const row = await batches.getBatchById(this.db, batchId);
    if (!row) refuse("not_found", "No such batch.");
    const rows: Record<string, unknown>[] = [];
    for (let after = 0; ;) {
      const page = await own.legacyShipments(this.db, batchId, after);
      rows.push(...page);
      if (page.length < own.LEGACY_PAGE) break;
      after = page.at(-1)!.position;
    }
    const books = await own.legacySandboxLabels(this.db, batchId);
    const plan = await this.store.get("label_plan");
    ensureLocalSchema(this.sqlite);
    this.sqlite.transaction(() => {
      if (this.sqlite.rows(batches.selectBatch(this.local, batches.batchById(batchId))).length) return;
      for (const statement of [own.insertBatchRow(this.local, row!), ...own.insertRawShipments(this.local, rows),
        ...own.insertRawSandboxLabels(this.local, books), ...own.putFiles(this.local, plan?.files ?? [])]) this.sqlite.rows(statement);
    });
    await this.store.put({ batch_id: batchId, legacy_cleanup: true, summary_synced: row!.updated_at });
    await this.store.delete("label_plan");
    await this.timers.atLatest("sync", Date.now());
    this.holding = true;
  }

  /** Moves the batch by the transition table, or refuses with the state in the message. */
  private step(row: BatchRow, event: BatchEvent, action: string): BatchRow {
    const to = next(row.status, event);
    if (!to) refuse("invalid_state", `The batch is ${row.status}; it cannot ${action} now.`);
    return { ...row, status: to! };
  }

  /** The batch's counts and bought total, read again from its shipments (by the status index). */
  private recount(batchId: string): Tally {
    return tallyOf(this.sqlite.rows<shipments.StatusCount>(shipments.statusCounts(this.local, batchId)));
  }

  /** The counts as stored, for changes that touch no shipment (a label file, a scan form). */
  private unchanged(row: BatchRow) {
    return this.adjusted(row, {});
  }

  /** The stored counts moved by known changes, so they can be written in the same transaction. */
  private adjusted(row: BatchRow, delta: Partial<Record<ShipmentStatus, number>>) {
    const counts = { ...(JSON.parse(row.counts) as Counts) };
    for (const [status, n] of Object.entries(delta) as [ShipmentStatus, number][]) {
      counts[status] += n;
      counts.total += n;
    }
    return { counts, cents: row.total_cents };
  }

  /**
   * Writes the batch row with its counts and one `batch.updated` event per status change, in one local
   * transaction with `writes`, so a batch's status never disagrees with its shipments. The new row may
   * be a function, run inside the transaction after the writes (to decide from what they left). `tally` is the
   * counts the change leaves: known beforehand, or a function run inside the transaction after the
   * writes (it may run writes of its own and read what they did); without it the counts are read again.
   * D1 is brought up to date after the commit (`sync`).
   */
  private async persist(before: BatchRow, change: BatchRow | (() => BatchRow), tally?: Tally | (() => Tally), writes: D1PreparedStatement[] = [], refreshSummary = false, announce = false): Promise<BatchRow> {
    const now = nowIso();
    await this.timers.atLatest("sync", Date.now() + SYNC_RETRY_MS);
    const row = this.sqlite.transaction(() => {
      for (const w of writes) this.sqlite.rows(w);
      const after = typeof change === "function" ? change() : change;
      const t = typeof tally === "function" ? tally() : tally ?? this.recount(after.id);
      const row: BatchRow = { ...after, counts: JSON.stringify(t.counts), total_cents: t.cents, updated_at: now, rate_summary: t.rate_summary ?? after.rate_summary };
      // What the chosen shipments cost per service: read again at each status change (not per consumer batch),
      // and whenever the shipments it counts are no longer those counted (a void), so that no read shows a
      // summary that disagrees with its counts. Purchase results move it by what they change (recordPurchases).
      const summarized = (JSON.parse(row.rate_summary ?? "[]") as { n: number }[]).reduce((a, r) => a + r.n, 0);
      const chosen = t.counts.valid + t.counts.queued + t.counts.purchased;
      if (row.status !== before.status || refreshSummary || (summarized !== chosen && t.counts.validating === 0)) {
        row.rate_summary = JSON.stringify(this.sqlite.rows(shipments.rateSummaryOf(this.local, row.id)));
      }
      if (row.status !== before.status || announce) {
        if (row.status === before.status) {
          // A change a client is told of without a change of status (a pickup): its own batch.updated.
          this.sqlite.rows(this.event(row, "batch.updated", { ...toBatchSummary(row, linkerFor(this.env)), previous_status: before.status }, now));
        }
      }
      if (row.status !== before.status) {
        if (row.status === "ready" || row.status === "invalid") row.validated_at = now;
        if (row.status === "purchasing") row.purchased_at = now;
        if (row.status === "completed") row.completed_at = now;
        this.sqlite.rows(this.event(row, "batch.updated", { ...toBatchSummary(row, linkerFor(this.env)), previous_status: before.status }, now));
      }
      this.sqlite.rows(batches.saveBatchState(this.local, row));
      return row;
    });
    // A change of status goes to D1 now; one of counts alone may wait for the next write (sync).
    await this.syncNow(row, row.status === before.status && !announce);
    this.broadcast(row);
    if (row.status !== before.status || writes.length) await this.timers.update(this.statusTimers(row));
    return row;
  }

  /** An event to write to D1 (and then announce), kept in the object's transaction with the change it reports. */
  private event(row: BatchRow, type: string, data: unknown, now: string) {
    return own.pendingEvent(this.local, { id: newId("evt"), account_id: row.account_id, type, batch_id: row.id, data: JSON.stringify(data), created_at: now });
  }

  /** `sync` after a commit: a failure is left to the `sync` timer (set before the commit), not the caller. */
  private async syncNow(row?: BatchRow, soon = false) {
    try {
      await this.sync(row, soon);
    } catch (err) {
      console.warn(`${row?.id ?? "batch"}: D1 not brought up to date yet: ${(err as Error).message}`);
    }
  }

  /**
   * Writes what the object owes D1, in one D1 transaction: the batch's summary row (when it changed
   * since last written), its events, and the credits of voids and refunds recorded here. Each is
   * idempotent (summary only forward, event by id, credit once per shipment), so a write repeated
   * after a crash changes nothing. Then the events are announced, and a moved batch's old rows deleted.
   */
  private async sync(current?: BatchRow, soon = false): Promise<void> {
    const batchId = current?.id ?? (await this.store.get("batch_id"));
    if (!batchId || !hasLocalSchema(this.ctx.storage)) return;
    const row = current ?? (await batches.getBatchById(this.local, batchId));
    if (!row) return;
    const [events, credits, synced] = [await own.pendingEvents(this.local), await own.owedCredits(this.local), await this.store.get("summary_synced")];
    // Only the summary's counts moved (no status, event or credit): written at most once a SUMMARY_EVERY_MS
    // while the batch is busy, by the timer, instead of after every consumer's report.
    const deferred = soon && !events.length && !credits.length && synced !== row.updated_at && Date.now() - this.summaryAt < SUMMARY_EVERY_MS;
    if (deferred) {
      await this.timers.atLatest("sync", this.summaryAt + SUMMARY_EVERY_MS);
      return;
    }
    if (events.length || credits.length || synced !== row.updated_at) {
      const now = nowIso();
      await this.db.batch([
        ...(synced !== row.updated_at ? [own.upsertSummary(this.db, row)] : []),
        ...own.flushEvents(this.db, events),
        ...creditStatements(this.db, credits.filter((c) => c.reason === "void").map((c) => c.shipment_id), "void", now),
        ...creditStatements(this.db, credits.filter((c) => c.reason === "refund").map((c) => c.shipment_id), "refund", now),
      ]);
      if (events.length) await outbox.owe(this.store, this.timers, events.map((e) => e.id));
      await this.local.batch([own.dropPendingEvents(this.local, events.map((e) => e.id)), own.dropCredits(this.local, credits.map((c) => c.shipment_id))]);
      await this.store.put({ summary_synced: row.updated_at });
      this.summaryAt = Date.now();
    }
    await outbox.announce(this.store, this.timers, this.env.WEBHOOK_QUEUE);
    if (await this.store.get("legacy_cleanup")) {
      while ((await own.deleteLegacyPage(this.db, batchId)) > 0) await letRequestsIn();
      await this.store.delete("legacy_cleanup");
    }
    // Nothing is owed now; a change that owes something sets the timer again before its commit.
    await this.timers.clear("sync");
  }

  /**
   * The timers that follow from the batch's status alone: validation runs now, an unbought batch
   * expires, a purchasing batch is checked for progress. Labels, announce and start keep their own.
   */
  private statusTimers(row: BatchRow): Partial<Record<TimerKind, number | null>> {
    return {
      validate: row.status === "validating" ? Date.now() : null,
      expire: row.status === "ready" || row.status === "invalid" ? Date.parse(row.expires_at) : null,
      purchase: row.status === "purchasing" ? Date.now() + this.timing.resendMs : null,
    };
  }

  /** Records that the batch is recovering from lost work: an event (and webhook) and a line on the stream. */
  private async noteRecovery(row: BatchRow, recovery: { action: "purchases_resent" | "label_files_requeued"; count: number; attempt: number; quiet_seconds: number }) {
    const now = nowIso();
    await this.timers.atLatest("sync", Date.now() + SYNC_RETRY_MS);
    await this.local.batch([this.event(row, "batch.recovering", { ...toBatchSummary(row, linkerFor(this.env)), recovery }, now)]);
    await this.syncNow(row);
    this.watchers.send("recovery", now, { id: row.id, status: row.status, ...recovery });
    console.warn(`${row.id}: ${recovery.action} (${recovery.count}, attempt ${recovery.attempt}, quiet ${recovery.quiet_seconds} s)`);
  }

  /**
   * Cancel and expiry, allowed only before purchase: shipments a purchase start queued before it died
   * go back to `valid` first (nothing was sent for them), so no shipment of an ended batch stays queued.
   */
  private async abandon(before: BatchRow, after: BatchRow): Promise<BatchRow> {
    const saved = await this.persist(before, after, undefined, shipments.unqueue(this.local, before.id, nowIso()));
    await this.store.delete("purchase_start");
    await this.timers.clear("start");
    return saved;
  }

  async fetch(request: Request): Promise<Response> {
    const batchId = new URL(request.url).searchParams.get("batch_id") ?? "";
    const row = await this.load(batchId).catch(() => null);
    if (!row) return new Response("not found", { status: 404 });
    return this.watchers.open({ event: "batch", id: row.updated_at, data: this.streamData(row) }, FINAL_STATUSES.includes(row.status));
  }

  // ---- Reads: what the Worker and the consumers ask of one batch. None waits for a change in progress:
  // a change is one local transaction, so a read sees it whole or not at all.

  /** The batch (of `owner`'s account, when given) with one page of its shipments, read together. */
  async read(owner: string | null, batchId: string, page?: shipments.PageFilter): Promise<Outcome<{ rows_json: string; total: number }>> {
    return this.answer(async () => {
      await this.hold(batchId);
      // Run back to back with no await between, nothing else in the object runs in between: the row and
      // the page are one snapshot without a transaction (whose commit costs even when nothing was written).
      const [batch, rows, total] = [
        batches.selectBatch(this.local, batches.batchById(batchId)),
        ...(page ? shipments.shipmentPageAsJson(this.local, batches.batchById(batchId), page) : []),
      ].map((st) => ({ results: this.sqlite.rows(st) }) as D1Result);
      const row = batch.results[0] as BatchRow | undefined;
      if (!row || (owner !== null && row.account_id !== owner)) return refuse("not_found", "No such batch.");
      // The page travels as the JSON text SQLite wrote; the Worker parses it where it presents it.
      return { ok: true, row, rows_json: page ? shipments.shipmentPageJson(rows) : "[]", total: page ? shipments.pageTotal(total) : 0 };
    });
  }

  /** One shipment of the batch. */
  async shipment(owner: string | null, batchId: string, shipmentId: string): Promise<Outcome<{ shipment: ShipmentRecord }>> {
    return this.answer(async () => {
      const row = await this.owned(owner, batchId);
      const shipment = await shipments.getShipment(this.local, batchId, shipmentId);
      if (!shipment) refuse("not_found", "No such shipment in this batch.");
      return { ok: true, row, shipment: shipment! };
    });
  }

  /** These shipments of the batch (others are absent), in position order: for the consumers. */
  async shipmentsOf(batchId: string, ids: readonly string[]): Promise<Outcome<{ shipments: shipments.WorkShipment[] }>> {
    return this.answer(async () => {
      const row = await this.load(batchId);
      return { ok: true, row, shipments: (await shipments.shipmentsToWork(this.local, ids)).filter((s) => s.batch_id === batchId) };
    });
  }

  /** The bought (not voided) shipments of one merged file, in position order. */
  async purchasedInRange(batchId: string, first: number, last: number): Promise<Outcome<{ shipments: shipments.LabelSource[] }>> {
    return this.answer(async () => ({ ok: true, row: await this.load(batchId), shipments: await shipments.purchasedInRange(this.local, batchId, first, last) }));
  }

  /** What the batch's SCAN forms list: its bought shipments. */
  async manifest(batchId: string): Promise<Outcome<{ rows: shipments.ManifestSource[] }>> {
    return this.answer(async () => ({ ok: true, row: await this.load(batchId), rows: await shipments.manifestRows(this.local, batchId) }));
  }

  /**
   * The carrier adapters' books for this batch's labels, as SQL over the object's SQLite: the sandbox
   * carrier's own table (what it sold, what was voided) and read-only look-ups of shipments (a
   * provider's shipment ids). Anything else is refused; see books.ts.
   */
  async books(batchId: string, statements: readonly { sql: string; params: unknown[] }[]): Promise<Outcome<{ results: Record<string, unknown>[][] }>> {
    return this.answer(async () => {
      const row = await this.load(batchId);
      const allowed = statements.every(({ sql }) => /^\s*(SELECT\b(?![\s\S]*\b(INSERT|UPDATE|DELETE)\b)|INSERT INTO sandbox_labels\b|UPDATE sandbox_labels\b)/i.test(sql));
      if (!allowed) refuse("internal_error", "The books take only the sandbox carrier's own writes and reads.");
      const done = await this.local.batch(statements.map(({ sql, params }) => this.local.prepare(sql).bind(...params)));
      return { ok: true, row, results: done.map((d) => d.results as Record<string, unknown>[]) };
    });
  }

  /** A read that answers a refusal as a value, as the changes do (an error loses its fields crossing RPC). */
  private async answer<T extends object>(fn: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Refused) return err.refusal;
      throw err;
    }
  }

  /** The batch, if `owner` (an account id; null for a signed link, which names the batch itself) owns it. */
  private async owned(owner: string | null, batchId: string): Promise<BatchRow> {
    const row = await this.load(batchId);
    if (owner !== null && row.account_id !== owner) refuse("not_found", "No such batch.");
    return row;
  }

  // ---- Small changes the consumers make to shipments, each one local transaction.

  /** Before a live buy is sent: from now on a retry reads the provider's shipment before buying. */
  async markBuyStarted(batchId: string, ids: readonly string[]): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      await shipments.markBuyStarted(this.local, ids, nowIso()).run();
      return { ok: true, row };
    });
  }

  /** The message of failed shipments whose sold label was voided on the way to their refund. */
  async noteVoided(batchId: string, ids: readonly string[], message: string): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      return { ok: true, row: await this.persist(row, row, this.unchanged(row), [shipments.noteVoided(this.local, ids, message, nowIso())]) };
    });
  }

  /** What the stream sends for a batch: the summary's live fields, in the summary's own shapes. */
  private streamData(row: BatchRow) {
    const s = toBatchSummary(row, linkerFor(this.env));
    return {
      id: s.id, status: s.status, counts: s.counts, completion_percentage: s.completion_percentage, total_amount: s.total_amount,
      rate_summary: s.rate_summary, labels: s.labels, updated_at: s.updated_at,
    };
  }

  private broadcast(row: BatchRow) {
    if (this.watchers.size) this.watchers.send("batch", row.updated_at, this.streamData(row), FINAL_STATUSES.includes(row.status));
  }

  private intake(row: BatchRow, rows: readonly CsvRow[], firstPosition: number, now: string): D1PreparedStatement[] {
    const owner = { batch_id: row.id, account_id: row.account_id };
    return shipments.insertShipments(this.local, owner, now, rows.map((r, i) => toRecord(r.input, firstPosition + i, owner, row, now, r.errors)));
  }

  async create(row: BatchRow, rows: CsvRow[]): Promise<Outcome> {
    return this.exclusive(async () => {
      // Made already by a request that died before answering (its Idempotency-Key reserved this id).
      ensureLocalSchema(this.sqlite);
      const made = await batches.getBatchById(this.local, row.id);
      if (made) return made.account_id === row.account_id ? { ok: true, row: made } : refuse("not_found", "No such batch.");
      await this.store.put({ batch_id: row.id });
      const initial: BatchRow = { ...row, status: rows.length ? "validating" : "ready", counts: JSON.stringify(emptyCounts()) };
      // The batch, its event and every shipment land together or not at all.
      const saved = await this.persist(initial, initial, this.adjusted(initial, { validating: rows.length }),
        [batches.insertBatch(this.local, initial), this.event(initial, "batch.created", toBatchSummary(initial, linkerFor(this.env)), row.created_at),
          ...this.intake(initial, rows, 1, row.created_at)]);
      this.holding = true;
      return { ok: true, row: saved };
    });
  }

  async addShipments(batchId: string, rows: CsvRow[]): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const moved = this.step(row, "edit", "take new shipments");
      const count = JSON.parse(row.counts).total as number;
      if (count + rows.length > 10_000) refuse("payload_too_large", `A batch holds at most 10,000 shipments; it has ${count}.`);
      const inserts = this.intake(row, rows, (await shipments.maxPosition(this.local, batchId)) + 1, nowIso());
      return { ok: true, row: await this.persist(row, moved, this.adjusted(row, { validating: rows.length }), inserts) };
    });
  }

  async removeShipments(batchId: string, ids: string[]): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const moved = this.step(row, "edit", "remove shipments");
      const found = await shipments.statusesIn(this.local, batchId, ids);
      const missing = ids.map((id, i) => ({ id, i })).filter(({ id }) => !found.has(id));
      if (missing.length) {
        refuse("validation_failed", "Some shipment ids are not in this batch; nothing was removed.",
          missing.map(({ i }) => ({ path: `shipment_ids.${i}`, message: "No such shipment in this batch" })));
      }
      const removed: Partial<Record<ShipmentStatus, number>> = {};
      for (const status of found.values()) removed[status] = (removed[status] ?? 0) - 1;
      return { ok: true, row: await this.persist(row, moved, this.adjusted(row, removed), [shipments.deleteShipments(this.local, batchId, ids)]) };
    });
  }

  async editShipment(batchId: string, shipmentId: string, patch: ShipmentIn): Promise<Outcome<{ shipment: ShipmentRecord }>> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const moved = this.step(row, "edit", "change shipments");
      const current = await shipments.getShipment(this.local, batchId, shipmentId);
      if (!current) return refuse("not_found", "No such shipment in this batch.");
      const edited = { ...applyPatch(current, patch, row, nowIso()), status: "validating" as const, errors: null,
        rate_cents: null, rate_currency: null, rate_expires_at: null };
      const tally = this.adjusted(row, current.status === "validating" ? {} : { [current.status]: -1, validating: 1 });
      return { ok: true, row: await this.persist(row, moved, tally, [shipments.saveEdit(this.local, edited)]), shipment: edited };
    });
  }

  async cancel(batchId: string): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      return { ok: true, row: await this.abandon(row, this.step(row, "cancel", "be cancelled")) };
    });
  }

  /**
   * Queues every valid shipment, one message each, sent 100 at a time. `requestKey` (an Idempotency-Key's
   * hash) is kept: the same request retried after it died answers the purchase it started.
   * `expectedCents` is the total a person approved: any other amount to be charged buys nothing.
   */
  async purchase(batchId: string, skipInvalid: boolean, requestKey?: string, expectedCents?: number): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      if (requestKey && row.status !== "ready" && row.status !== "invalid" && (await this.store.get("purchase_request")) === requestKey) return { ok: true, row };
      if (requestKey) await this.store.put({ purchase_request: requestKey });
      const why = row.status === "invalid" && !skipInvalid
        ? "be purchased while shipments are invalid (fix or remove them, or pass skip_invalid to buy only the valid ones)"
        : "be purchased";
      const moved = this.step(row, skipInvalid ? "purchase_skip_invalid" : "purchase", why);
      if (JSON.parse(row.counts).valid === 0) refuse("invalid_state", `The batch is ${row.status} but has no valid shipments to buy.`);
      // The price guard: the total a person approved, or nothing is bought.
      if (expectedCents !== undefined) {
        const now = await shipments.amountToCharge(this.local, batchId);
        if (now !== expectedCents) {
          refuse("amount_changed", `The amount to be charged is ${formatCents(now)}, not ${formatCents(expectedCents)}; nothing was bought.`,
            [{ path: "expected_amount", message: `The amount to be charged is ${formatCents(now)}` }]);
        }
      }
      const now = nowIso();
      // Pages, each its own transaction with the counts it moves, so the batch's counts always agree
      // with its shipments. An object that dies part way leaves the batch buyable with some shipments
      // queued and nothing sent: the `start` timer puts them back, or the next purchase call takes them.
      await this.store.put({ purchase_start: { at: Date.now() } });
      await this.timers.set("start", Date.now() + START_GRACE_MS);
      const queued = await shipments.queuedShipments(this.local, batchId);
      for (;;) {
        const [page] = await this.local.batch(shipments.queueValidPage(this.local, batchId, now, QUEUE_PAGE));
        queued.push(...(page.results as shipments.Placed[]));
        if (page.results.length < QUEUE_PAGE) break;
        await letRequestsIn();
      }
      queued.sort((a, b) => a.position - b.position);
      await this.store.put({ progress_at: Date.now(), purchase_resends: 0 });
      // The commit point: the status, the purchase's label set and its planned files together. From here a
      // lost send is a quiet purchase, which the `purchase` timer re-sends.
      const cursor = this.sqlite.rows<{ next_n: number; sets: number }>(own.planCursor(this.local))[0];
      const plan = addSet({ ...cursor, files: [] }, queued.map((q) => q.position), row.label_format, row.label_layout, true);
      const sets = [newSet(newId("ls"), plan.sets, row.label_format, row.label_layout, now)];
      const saved = await this.persist(row, { ...moved, labels: "[]", label_sets: JSON.stringify(sets) }, undefined, own.putFiles(this.local, plan.files));
      await this.store.delete("purchase_start");
      await this.timers.clear("start");
      await this.sendPurchases(batchId, queued);
      return { ok: true, row: saved };
    });
  }

  private async sendPurchases(batchId: string, queued: readonly { id: string }[]) {
    for (let i = 0; i < queued.length; i += SEND_BATCH) {
      await this.env.PURCHASE_QUEUE.sendBatch(queued.slice(i, i + SEND_BATCH).map((q) => ({ body: { batch_id: batchId, shipment_id: q.id } satisfies PurchaseMessage })));
      await letRequestsIn();
    }
  }

  /**
   * Records purchase results reported by a consumer (one call per consumer batch). A shipment's result
   * counts once; a repeat is ignored. The results, the counts, total and rate summary they move, and
   * the label files they finish are one local transaction; when nothing is left queued, the batch moves on.
   */
  async recordPurchases(batchId: string, results: PurchaseResult[]): Promise<Outcome<{ accepted: string[]; already_purchased: string[] }>> {
    // Only consumers report, so clients' requests may go first; the wait is before taking the lock.
    await backgroundTurn();
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const now = nowIso();
      await this.armLabels();
      let accepted: shipments.Recorded[] = [];
      let jobs: LabelJob[] = [];
      let tally: Tally | undefined;
      const take = (): Tally => {
        const before = new Map(this.sqlite.rows<shipments.QueuedCost>(shipments.queuedCosts(this.local, batchId, results.map((r) => r.shipment_id))).map((c) => [c.id, c]));
        accepted = shipments.savePurchaseResults(this.local, batchId, results, now, Date.now()).flatMap((st) => this.sqlite.rows<shipments.Recorded>(st));
        jobs = this.finishFiles(batchId, accepted.map((a) => ({ position: a.position, bought: a.status === "purchased" })));
        tally = movedBy(row, accepted, before);
        return tally;
      };
      // Moves on when nothing is left queued: to writing labels, or failed when nothing was bought.
      const decide = (): BatchRow => {
        take();
        if (row.status !== "purchasing" || tally!.counts.queued > 0) return row;
        return this.step(row, tally!.counts.purchased > 0 ? "purchases_done" : "purchases_failed", "finish purchasing");
      };
      // Bought labels start `pre_transit` (their label created); the summary counts them as they come.
      const decideTracked = (): BatchRow => {
        const next = decide();
        const bought = accepted.filter((a) => a.status === "purchased").length;
        return bought ? { ...next, tracking_summary: JSON.stringify(bumpPreTransit(next.tracking_summary, bought)) } : next;
      };
      let saved = await this.persist(row, decideTracked, () => tally!);
      if (accepted.some((a) => a.status === "purchased")) await this.timers.atLatest("tracking", Date.now() + firstScanMs(trackingSwitches(this.env)));
      if (accepted.length) await this.store.put({ progress_at: Date.now(), purchase_resends: 0 });
      await this.sendLabelJobs(jobs);
      const acceptedIds = new Set(accepted.map((a) => a.id));
      const rest = results.filter((r) => !acceptedIds.has(r.shipment_id)).map((r) => r.shipment_id);
      const states = rest.length ? await shipments.statusesIn(this.local, batchId, rest) : new Map();
      const already_purchased = rest.filter((id) => states.get(id) === "purchased");
      // The last files to finish may have had nothing bought, and so no file to write and report.
      if (saved.status === "generating_labels" && (await this.firstSetDone())) {
        saved = await this.persist(saved, this.step(saved, "labels_written", "complete"), this.unchanged(saved));
      }
      return { ok: true, row: saved, accepted: [...acceptedIds], already_purchased };
    });
  }

  /** label-plan.ts's `firstSetWritten`, as one indexed count instead of reading every file. */
  private async firstSetDone(): Promise<boolean> {
    return (await own.firstSetOpen(this.local).first<{ n: number }>())?.n === 0;
  }

  /**
   * Counts finished purchases against their files (only the files around them are read) and marks
   * the files that became complete queued; answers their jobs, to send once this commits. Runs
   * inside the caller's transaction.
   */
  private finishFiles(batchId: string, finished: readonly Finished[]): LabelJob[] {
    if (!finished.length) return [];
    const positions = finished.map((f) => f.position);
    const files = own.toFiles(this.sqlite.rows(own.filesAround(this.local, Math.min(...positions), Math.max(...positions))));
    return this.queueFiles(batchId, finish({ next_n: 0, sets: 0, files }, finished).files);
  }

  /** Marks those of `files` whose shipments have all finished queued (label-plan.ts's `due`) and writes them; answers their jobs. */
  private queueFiles(batchId: string, files: readonly PlannedFile[]): LabelJob[] {
    const { plan, jobs } = due({ next_n: 0, sets: 0, files: [...files] }, batchId);
    for (const st of own.putFiles(this.local, plan.files)) this.sqlite.rows(st);
    return jobs;
  }

  /**
   * Before a change that may queue label files: the `labels` timer, so that files marked queued whose
   * jobs never went out (a crash between the commit and the send) are queued again.
   */
  private async armLabels() {
    if ((await this.timers.all()).labels) return;
    await this.store.put({ labels_progress_at: Date.now(), label_requeues: 0 });
    await this.timers.set("labels", nextLabelRequeue(Date.now(), 0, this.timing));
  }

  private async sendLabelJobs(jobs: readonly LabelJob[]) {
    for (let i = 0; i < jobs.length; i += SEND_BATCH) {
      await this.env.LABEL_QUEUE.sendBatch(jobs.slice(i, i + SEND_BATCH).map((body) => ({ body: body satisfies LabelJob })));
    }
  }

  /** Records merged files written by the label consumer; the batch completes with its last file. */
  async recordLabelFiles(batchId: string, files: LabelFile[]): Promise<Outcome> {
    await backgroundTurn();
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      await this.store.put({ labels_progress_at: Date.now(), label_requeues: 0 });
      let open = true;
      const saved = await this.persist(row, () => {
        const plan = { next_n: 0, sets: 0, files: own.toFiles(this.sqlite.rows(own.allFiles(this.local))) };
        open = plan.files.some((f) => f.queued && !f.written);
        const byN = new Map((JSON.parse(row.labels) as LabelFile[]).map((f) => [f.n, f]));
        // A file with no bought shipment (all failed or voided) leaves no entry.
        const setOf = new Map(plan.files.map((f) => [f.n, f.set]));
        for (const f of files) if (f.count > 0) byN.set(f.n, { ...f, set: setOf.get(f.n) });
        const written = [...byN.values()].sort((a, b) => a.n - b.n);
        const sets = progress(JSON.parse(row.label_sets), plan, written, nowIso());
        const updated: BatchRow = { ...row, labels: JSON.stringify(written), label_sets: JSON.stringify(sets) };
        return row.status === "generating_labels" && firstSetWritten(plan) ? this.step(updated, "labels_written", "complete") : updated;
      }, this.unchanged(row), [own.markFilesWritten(this.local, files.map((f) => f.n))]);
      const formsPending = storedScanForms(row.scan_form).some((f) => f.status === "generating");
      if (!open && !formsPending) await this.timers.clear("labels");
      return { ok: true, row: saved };
    });
  }

  /** Another set of merged files (another format or layout) over the shipments bought now. */
  async requestLabels(batchId: string, format: LabelFormat, layout: LabelLayout): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      if (!["generating_labels", "completed", "timed_out"].includes(row.status)) {
        refuse("invalid_state", `The batch is ${row.status}; label files can be made once its purchase has finished.`);
      }
      const positions = await shipments.purchasedPositions(this.local, batchId);
      if (!positions.length) refuse("invalid_state", "The batch has no bought labels to merge.");
      await this.armLabels();
      let jobs: LabelJob[] = [];
      const saved = await this.persist(row, () => {
        const cursor = this.sqlite.rows<{ next_n: number; sets: number }>(own.planCursor(this.local))[0];
        const plan = addSet({ ...cursor, files: [] }, positions, format, layout, false);
        jobs = this.queueFiles(batchId, plan.files);
        return { ...row, label_sets: JSON.stringify([...(JSON.parse(row.label_sets) as LabelSet[]), newSet(newId("ls"), plan.sets, format, layout, nowIso())]) };
      }, this.unchanged(row));
      await this.sendLabelJobs(jobs);
      return { ok: true, row: saved };
    });
  }

  /** Lists the SCAN forms the batch needs now (replacing any before) and queues them to be written. */
  async requestScanForms(batchId: string): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const before = storedScanForms(row.scan_form);
      const forms = planScanForms(row.id, await shipments.manifestRows(this.local, row.id), before, row.mode === "live");
      if (!forms.length) refuse("invalid_state", `The batch is ${row.status} and has no bought shipments to manifest.`);
      const fresh = forms.filter((f) => !before.some((b) => b.id === f.id));
      // Every bought live shipment is on a form already: nothing new to ask the provider for.
      if (!fresh.length) return { ok: true, row };
      const saved = await this.persist(row, { ...row, scan_form: JSON.stringify(forms) }, this.unchanged(row));
      await this.env.LABEL_QUEUE.send({ kind: "scan_forms", batch_id: row.id, form_ids: fresh.map((f) => f.id) } satisfies ScanFormJob);
      await this.timers.atLatest("labels", Date.now() + this.timing.resendMs);
      return { ok: true, row: saved };
    });
  }

  /**
   * Pickups over the bought, not voided shipments, one per carrier and origin (of `carriers`, when
   * given), in a window every one of those carriers can serve; scheduled in the background (label queue).
   */
  async requestPickups(batchId: string, ask: { min_datetime: string; max_datetime: string; instructions?: string | null; carriers?: CarrierId[] | null }): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const planned = planPickups((await shipments.manifestRows(this.local, row.id)), ask.carriers ?? null,
        { min_datetime: ask.min_datetime, max_datetime: ask.max_datetime, instructions: ask.instructions ?? null }, nowIso());
      if (!planned.length) refuse("invalid_state", `The batch is ${row.status} and has no bought shipments${ask.carriers ? ` of ${ask.carriers.join(", ")}` : ""} to pick up.`);
      const wrong = windowErrors(ask.min_datetime, ask.max_datetime, Date.now(), [...new Set(planned.map((p) => p.carrier))]);
      if (wrong.length) refuse("validation_failed", "The pickup window cannot be served.", wrong);
      const saved = await this.persist(row, { ...row, pickups: JSON.stringify([...storedPickups(row.pickups), ...planned]) }, this.unchanged(row), [], false, true);
      await this.env.LABEL_QUEUE.send({ kind: "pickups", batch_id: row.id, pickup_ids: planned.map((p) => p.id) } satisfies PickupJob);
      await this.timers.atLatest("labels", Date.now() + this.timing.resendMs);
      return { ok: true, row: saved };
    });
  }

  /**
   * What happened to a pickup: quoted (its provider id and price, kept before any money moves),
   * scheduled (its confirmation), failed (why) or cancelled. Only a pickup in the state the change
   * follows takes it, so a late or repeated report changes nothing.
   */
  async recordPickup(batchId: string, pickupId: string, change: PickupChange): Promise<Outcome<{ pickup: StoredPickup | null }>> {
    return this.exclusive<{ pickup: StoredPickup | null }>(async () => {
      const row = await this.load(batchId);
      const all = storedPickups(row.pickups);
      const p = all.find((x) => x.id === pickupId);
      if (!p) return { ok: true, row, pickup: null };
      const next = applyPickupChange(p, change);
      if (!next) return { ok: true, row, pickup: p };
      const announce = next.status !== p.status;
      const saved = await this.persist(row, { ...row, pickups: JSON.stringify(all.map((x) => (x.id === pickupId ? next : x))) }, this.unchanged(row), [], false, announce);
      return { ok: true, row: saved, pickup: next };
    });
  }

  /** Before the label consumer POSTs a form to the provider: from now on a retry looks it up first. */
  async markScanFormPosted(batchId: string, formId: string): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const forms = storedScanForms(row.scan_form).map((f) => (f.id === formId ? { ...f, posted: true } : f));
      return { ok: true, row: await this.persist(row, { ...row, scan_form: JSON.stringify(forms) }, this.unchanged(row)) };
    });
  }

  /**
   * The label consumer wrote a SCAN form (`ready`), or the provider is still making it (`generating`,
   * with its id to follow), or failed it (`failed`, with its reason). A form replaced meanwhile is ignored.
   */
  async recordScanForm(batchId: string, formId: string, written: ScanFormWrite): Promise<Outcome> {
    await backgroundTurn();
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      if (written.status !== "generating") await this.store.put({ labels_progress_at: Date.now(), label_requeues: 0 });
      const forms = storedScanForms(row.scan_form).map((f) =>
        (f.id === formId && f.status === "generating" ? {
          ...f, status: written.status, ...(written.provider_id ? { provider_id: written.provider_id } : {}), ...(written.message ? { message: written.message } : {}),
        } : f));
      return { ok: true, row: await this.persist(row, { ...row, scan_form: JSON.stringify(forms) }, this.unchanged(row)) };
    });
  }

  /**
   * Before a void asks the carrier: the intent is kept, so that if the request dies after the carrier
   * took the label back (or before it was asked), the `voids` timer finishes the void and its credit.
   */
  async beginVoid(batchId: string, shipmentId: string): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const s = await shipments.getShipment(this.local, batchId, shipmentId);
      if (!s) return refuse("not_found", "No such shipment in this batch.");
      if (s.status !== "purchased") refuse("invalid_state", `The shipment is ${s.status}; only a purchased label can be voided.`);
      await this.store.put({ void_intents: { ...((await this.store.get("void_intents")) ?? {}), [shipmentId]: Date.now() } });
      await this.timers.atLatest("voids", Date.now() + VOID_GRACE_MS);
      return { ok: true, row };
    });
  }

  /** The carrier refused the void (the request answers the error): the intent is dropped, nothing changes. */
  async abandonVoid(batchId: string, shipmentId: string): Promise<Outcome> {
    return this.exclusive(async () => {
      await this.forgetVoid(shipmentId);
      return { ok: true, row: await this.load(batchId) };
    });
  }

  private async forgetVoid(shipmentId: string) {
    const intents = (await this.store.get("void_intents")) ?? {};
    if (!(shipmentId in intents)) return;
    delete intents[shipmentId];
    await this.store.put({ void_intents: intents });
  }

  /**
   * Records a void the carrier has accepted (the route asked it first: sandbox voided, provider refund
   * submitted). A sandbox void is credited at once (owed in the void's transaction); a provider's refund only
   * when the provider says `refunded` (recordRefunds), asked about by the `refunds` timer.
   */
  async voidShipment(batchId: string, shipmentId: string, refundStatus: "submitted" | null = null): Promise<Outcome<{ shipment: ShipmentRecord }>> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const s = await shipments.getShipment(this.local, batchId, shipmentId);
      if (!s) return refuse("not_found", "No such shipment in this batch.");
      if (s.status !== "purchased") {
        // Finished already (a timer's void and the request's both reached here): nothing more to record.
        await this.forgetVoid(shipmentId);
        refuse("invalid_state", `The shipment is ${s.status}; only a purchased label can be voided.`);
      }
      const now = nowIso();
      if (refundStatus === "submitted") await this.timers.atLatest("refunds", nextRefundCheck(Date.parse(now), Date.now())!);
      // The void and the credit it owes are one local transaction; the credit reaches D1's ledger in
      // `sync` right after, or by the `sync` timer if the object dies first. Every set already made
      // holds the voided label; sets made from now on leave it out.
      const saved = await this.persist(row, () => {
        const plan = { next_n: 0, sets: 0, files: own.toFiles(this.sqlite.rows(own.allFiles(this.local))) };
        // A voided label stops being tracked: the summary no longer counts it.
        return { ...row, label_sets: JSON.stringify(markStale(JSON.parse(row.label_sets), plan, s.position)), tracking_summary: JSON.stringify(this.trackingAfter(row, [{ from: (s.tracking_status ?? null) as TrackingStatus | null, to: null }])) };
      }, undefined, [
        shipments.markVoided(this.local, batchId, shipmentId, refundStatus, now),
        ...(refundStatus === "submitted" ? [] : [own.oweCredits(this.local, [shipmentId], "void", now)]),
      ], true);
      await this.forgetVoid(shipmentId);
      return { ok: true, row: saved, shipment: { ...s, status: "voided" as const, refund_status: refundStatus, refund_submitted_at: refundStatus ? now : null, updated_at: now } };
    });
  }

  /** Live: EasyPost's trackers for this batch's shipments (by EasyPost's shipment id); an older one than held changes nothing. */
  async applyProviderTrackers(batchId: string, trackers: readonly { provider_shipment_id: string; tracker: ProviderTracker }[]): Promise<Outcome<{ applied: number }>> {
    return this.exclusive<{ applied: number }>(async () => {
      const row = await this.load(batchId);
      const held = new Map(this.sqlite.rows<TrackedRow & { status: string }>(own.byProviderShipment(this.local, trackers.map((t) => t.provider_shipment_id)))
        .filter((s) => s.status === "purchased").map((s) => [s.provider_shipment_id!, s]));
      const updates: { s: TrackedRow; advance: Advance }[] = [];
      for (const t of trackers) {
        const s = held.get(t.provider_shipment_id);
        const advance = s && applyProviderTracker(parseTracking(s.tracking), t.tracker);
        if (s && advance) updates.push({ s, advance });
      }
      if (!updates.length) return { ok: true, row, applied: 0 };
      return { ok: true, row: await this.applyTracking(row, updates), applied: updates.length };
    });
  }

  /**
   * A page of tracking in one local transaction: the rows, one `shipment.tracking_updated` event per
   * status change (in order), the batch's summary, and `batch.delivered` once every tracked shipment
   * has arrived.
   */
  private async applyTracking(row: BatchRow, updates: readonly { s: TrackedRow; advance: Advance }[]): Promise<BatchRow> {
    const now = nowIso();
    const announced = (await this.store.get("delivered_announced")) === true;
    let arrived = false;
    const saved = await this.persist(row, () => {
      for (const st of own.saveTracking(this.local, updates.map(({ s, advance }) => ({
        id: s.id, tracking: JSON.stringify(advance.tracking), tracking_status: advance.tracking.status, tracking_next_at: advance.next_at,
      })))) this.sqlite.rows(st);
      // The page's events, in order, in a few statements.
      const owed: own.PendingEvent[] = [];
      for (const { s, advance } of updates) {
        let previous = parseTracking(s.tracking)?.status ?? "pre_transit";
        for (const status of advance.changes) {
          if (status === previous) continue;
          owed.push({ id: newId("evt"), account_id: row.account_id, type: "shipment.tracking_updated", batch_id: row.id, created_at: now, data: JSON.stringify({
            batch_id: row.id, shipment_id: s.id, position: s.position, reference: s.reference, tracking_number: s.tracking_number,
            status, previous_status: previous, status_detail: advance.tracking.status_detail, est_delivery_date: advance.tracking.est_delivery_date,
            updated_at: advance.tracking.updated_at,
          }) });
          previous = status;
        }
      }
      for (const st of own.pendingEventsPage(this.local, owed)) this.sqlite.rows(st);
      // A label with no status yet (bought before statuses were kept) is not in the summary: newly tracked.
      const summary = this.trackingAfter(row, updates.map(({ s, advance }) => ({ from: s.tracking_status, to: advance.tracking.status })));
      const updated = { ...row, tracking_summary: JSON.stringify(summary) };
      if (!announced && allArrived(summary)) {
        arrived = true;
        this.sqlite.rows(this.event(updated, "batch.delivered", { ...toBatchSummary(updated, linkerFor(this.env)) }, now));
      }
      return updated;
    }, this.unchanged(row));
    if (arrived) await this.store.put({ delivered_announced: true });
    return saved;
  }

  /** The batch's tracking at a glance, read from the status index and the first exceptions. */
  private trackingSummary(batchId: string): TrackingSummary {
    return summarize(this.sqlite.rows(own.trackingCounts(this.local, batchId)), this.sqlite.rows(own.trackingExceptions(this.local, batchId)));
  }

  /**
   * The summary after these moves, inside the transaction that wrote them: counts moved by them
   * (reading the whole batch only for a batch bought before it had a summary), its exceptions read again
   * only when a move entered or left one.
   */
  private trackingAfter(row: BatchRow, moves: readonly TrackingMove[]): TrackingSummary {
    if (!row.tracking_summary) return this.trackingSummary(row.id);
    const moved = moveSummary(JSON.parse(row.tracking_summary) as TrackingSummary, moves);
    return movesExceptions(moves) ? { ...moved, exceptions: this.sqlite.rows(own.trackingExceptions(this.local, row.id)) } : moved;
  }

  /**
   * How the provider decided refunds: `refunded` credits what was charged, once (owed in the same
   * transaction, written to D1 by `sync`); `rejected` and `not_applicable` credit nothing and the label is bought again.
   * A shipment whose refund is no longer `submitted` is left as it is.
   */
  async recordRefunds(batchId: string, decided: readonly { shipment_id: string; status: RefundStatus }[]): Promise<Outcome> {
    await backgroundTurn();
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const final = decided.filter((d) => d.status !== "submitted");
      if (!final.length) return { ok: true, row };
      const now = nowIso();
      const refunded = final.filter((d) => d.status === "refunded").map((d) => d.shipment_id);
      // Each settle changes its row only while the refund is `submitted`, so a repeat credits nothing twice
      // (the credit is once per shipment anyway).
      return { ok: true, row: await this.persist(row, row, undefined, [
        ...final.map((d) => shipments.settleRefund(this.local, batchId, d.shipment_id, d.status, now)),
        ...(refunded.length ? [own.oweCredits(this.local, refunded, "refund", now)] : []),
      ], true) };
    });
  }

  /**
   * One alarm serves every timer (timers.ts): it runs each one that is due. A handler that must act
   * again sets its timer again; one that does not is struck. A handler that throws leaves its timer
   * due, and the runtime retries the alarm.
   */
  async alarm(): Promise<void> {
    const batchId = await this.store.get("batch_id");
    if (!batchId) return;
    // Whatever woke the object, what it still owes D1 (and events the queue) goes out first.
    await this.exclusive(async () => {
      await this.syncNow(await this.load(batchId));
      return { ok: true, row: await this.load(batchId) };
    });
    for (const { kind } of await this.timers.due(Date.now())) {
      // Validation takes the lock a page at a time: a client's edit gets in between pages instead of
      // waiting for 10,000 shipments, and between pages requests to this isolate go first.
      if (kind === "validate") {
        while (await this.exclusive(() => this.validatePage(batchId)).then((o) => o.ok && o.more)) await backgroundTurn();
      }
      await this.exclusive(async () => {
        // Struck before it runs; a handler that must act again sets it again.
        await this.timers.clear(kind);
        try {
          return { ok: true, row: await this.onTimer[kind](await this.load(batchId)) };
        } catch (err) {
          if (err instanceof Refused) throw err;
          // Due again shortly (not at once: a failing D1 or queue must not spin the alarm).
          console.error(`${batchId}: the ${kind} timer failed: ${(err as Error).message}`);
          await this.timers.atLatest(kind, Date.now() + TIMER_RETRY_MS);
          return refuse("internal_error", (err as Error).message);
        }
      });
    }
    await this.timers.arm();
  }

  private readonly onTimer: TimerHandlers = {
    validate: async (row) => (row.status === "validating" ? this.validatePending(row) : row),

    expire: async (row) => {
      if (row.status !== "ready" && row.status !== "invalid") return row;
      if (Date.now() < Date.parse(row.expires_at)) {
        await this.timers.set("expire", Date.parse(row.expires_at));
        return row;
      }
      return this.abandon(row, this.step(row, "expire", "expire"));
    },

    purchase: async (row) => {
      if (row.status !== "purchasing") return row;
      const progressAt = (await this.store.get("progress_at")) ?? 0;
      const resends = (await this.store.get("purchase_resends")) ?? 0;
      const step = nextPurchaseStep(progressAt, resends, this.timing);
      if (Date.now() < step.at) {
        await this.timers.set("purchase", step.at);
        return row;
      }
      if (step.action === "time_out") return this.timeOut(row);
      // Quiet for a while: the messages of the still-queued shipments may be lost. Buying and debiting
      // are idempotent per shipment, so sending them again can only finish them.
      const queued = await shipments.queuedShipments(this.local, row.id);
      await this.store.put({ purchase_resends: resends + 1 });
      await this.timers.set("purchase", nextPurchaseStep(progressAt, resends + 1, this.timing).at);
      await this.noteRecovery(row, { action: "purchases_resent", count: queued.length, attempt: resends + 1, quiet_seconds: Math.round((Date.now() - progressAt) / 1000) });
      await this.sendPurchases(row.id, queued);
      return row;
    },

    // Whatever the batch's status (timed_out included): files stay owed until every bought label is in one.
    labels: async (row) => {
      const missing = own.toFiles((await own.openFiles(this.local).all()).results);
      const forms = storedScanForms(row.scan_form).filter((f) => f.status === "generating");
      const pickups = storedPickups(row.pickups).filter((p) => p.status === "scheduling");
      if (!missing.length && !forms.length && !pickups.length) return row;
      const progressAt = (await this.store.get("labels_progress_at")) ?? 0;
      const requeues = (await this.store.get("label_requeues")) ?? 0;
      const at = nextLabelRequeue(progressAt, requeues, this.timing);
      if (Date.now() < at) {
        await this.timers.set("labels", at);
        return row;
      }
      await this.store.put({ label_requeues: requeues + 1 });
      await this.timers.set("labels", nextLabelRequeue(progressAt, requeues + 1, this.timing));
      await this.noteRecovery(row, { action: "label_files_requeued", count: missing.length + forms.length + pickups.length, attempt: requeues + 1, quiet_seconds: Math.round((Date.now() - progressAt) / 1000) });
      // Every file queued and never written is queued again (a repeat is harmless: the file is written again).
      const jobs = this.sqlite.transaction(() => this.queueFiles(row.id, missing.map((f) => ({ ...f, queued: false }))));
      await this.sendLabelJobs(jobs);
      if (forms.length) await this.env.LABEL_QUEUE.send({ kind: "scan_forms", batch_id: row.id, form_ids: forms.map((f) => f.id) } satisfies ScanFormJob);
      if (pickups.length) await this.env.LABEL_QUEUE.send({ kind: "pickups", batch_id: row.id, pickup_ids: pickups.map((p) => p.id) } satisfies PickupJob);
      return row;
    },

    // Tracking due: the sandbox's next scans (a page at a time), or a live tracker's sweep (asked by the label queue's consumer).
    tracking: async (row) => {
      const now = Date.now();
      const due = this.sqlite.rows<TrackedRow>(own.dueTracking(this.local, now));
      if (!due.length) return row;
      let saved = row;
      if (row.mode === "live") {
        // Quiet for a day: the consumer asks EasyPost; meanwhile the next sweep is a day away.
        this.sqlite.transaction(() => {
          for (const st of own.saveTracking(this.local, due.map((s) => ({ id: s.id, tracking: s.tracking, tracking_status: parseTracking(s.tracking)?.status ?? "pre_transit", tracking_next_at: now + TRACKING_SWEEP_MS })))) this.sqlite.rows(st);
        });
        await this.env.LABEL_QUEUE.send({ kind: "tracking_sweep", batch_id: row.id, shipment_ids: due.map((s) => s.id) } satisfies TrackingSweepJob);
      } else {
        const { speed, exceptionRate } = trackingSwitches(this.env);
        saved = await this.applyTracking(row, due.map((s) => ({ s, advance: advanceSandbox(sourceOf(s), now, speed, exceptionRate) })));
      }
      const next = this.sqlite.rows<{ at: number | null }>(own.nextTrackingAt(this.local))[0]?.at;
      // A full page leaves more due now; otherwise what falls due within a tick waits for one page.
      if (next !== null && next !== undefined) await this.timers.set("tracking", Math.max(next, now + (due.length === own.TRACKING_PAGE ? 1 : TRACKING_TICK_MS)));
      return saved;
    },

    // A purchase start that never reached its commit: what it queued goes back to valid, counts with it.
    start: async (row) => {
      const start = await this.store.get("purchase_start");
      if (!start) return row;
      if (Date.now() < start.at + START_GRACE_MS) {
        await this.timers.set("start", start.at + START_GRACE_MS);
        return row;
      }
      await this.store.delete("purchase_start");
      if (row.status !== "ready" && row.status !== "invalid") return row;
      return this.persist(row, row, undefined, shipments.unqueue(this.local, row.id, nowIso()));
    },

    // After a time-out: failed shipments still debited and not credited are sent for undoing again.
    undo: async (row) => {
      const owed = await uncredited(this.db, await shipments.failedShipments(this.local, row.id));
      if (!owed.length) return row;
      const resends = (await this.store.get("undo_resends")) ?? 0;
      await this.store.put({ undo_resends: resends + 1 });
      await this.timers.set("undo", nextLabelRequeue(Date.now(), resends + 1, this.timing));
      await this.sendPurchases(row.id, owed.map((id) => ({ id })));
      return row;
    },

    announce: async (row) => {
      await outbox.announce(this.store, this.timers, this.env.WEBHOOK_QUEUE);
      return row;
    },

    // What the object owes D1 after a write that did not happen (or a crash after the commit): written now,
    // and again after SYNC_RETRY_MS while it keeps failing. A moved batch's old rows are deleted here too.
    sync: async (row) => {
      try {
        await this.sync(row);
      } catch (err) {
        await this.timers.set("sync", Date.now() + SYNC_RETRY_MS);
        throw err;
      }
      return row;
    },

    // Voids whose request died between asking and recording: done again at the carrier (idempotent) and
    // recorded by the provider queue's consumer, which credits them.
    voids: async (row) => {
      const intents = (await this.store.get("void_intents")) ?? {};
      const now = Date.now();
      const due = Object.entries(intents).filter(([, at]) => now - at >= VOID_GRACE_MS).map(([id]) => id);
      const later = Object.values(intents).filter((at) => now - at < VOID_GRACE_MS);
      for (let i = 0; i < due.length; i += SEND_BATCH) {
        await this.env.RATE_QUEUE.send({ kind: "void", batch_id: row.id, shipment_ids: due.slice(i, i + SEND_BATCH) } satisfies VoidMessage);
      }
      // Asked again after another grace if the message is lost too; a recorded void strikes its intent.
      if (due.length || later.length) await this.timers.set("voids", now + (due.length ? VOID_GRACE_MS : Math.min(...later) + VOID_GRACE_MS - now));
      return row;
    },

    // Live refunds EasyPost has not decided: asked about on the provider queue, on each one's schedule.
    refunds: async (row) => {
      const now = Date.now();
      const pending = (await shipments.pendingRefunds(this.local, row.id)).map((p) => ({ id: p.id, at: Date.parse(p.refund_submitted_at) }));
      // Every refund still followed is asked at each firing; the timer fires at the soonest one's schedule.
      const followed = pending.filter((p) => now - p.at <= REFUND_FOLLOW_MS);
      // A message asks about up to REFUND_CHECK_PAGE refunds (one look-up of their provider ids), sent 100 messages at a time.
      const pages: RefundCheckMessage[] = [];
      for (let i = 0; i < followed.length; i += REFUND_CHECK_PAGE) {
        pages.push({ kind: "refund_check", batch_id: row.id, shipment_ids: followed.slice(i, i + REFUND_CHECK_PAGE).map((p) => p.id) });
      }
      for (let i = 0; i < pages.length; i += SEND_BATCH) await this.env.RATE_QUEUE.sendBatch(pages.slice(i, i + SEND_BATCH).map((body) => ({ body })));
      const next = followed.map((p) => nextRefundCheck(p.at, now)).filter((t): t is number => t !== null);
      if (next.length) await this.timers.set("refunds", Math.min(...next));
      return row;
    },
  };

  /** Live shipments are rated by the provider, through the rating queue; test ones by the rate card, here. */
  private ratesWithProvider(row: BatchRow) {
    return row.mode === "live" && liveProviderConfigured(this.env);
  }

  /**
   * Validates the next page of shipments still `validating` (and not waiting for a provider's rating);
   * answers how many it took and the row as it left it. Test mode rates them too; live mode sends the
   * valid ones to be rated. The page's results and the counts they move are one local transaction
   * (D1's summary catches up when the batch settles).
   */
  private async validateNextPage(row: BatchRow): Promise<{ taken: number; row: BatchRow }> {
    const page = await shipments.pendingValidation(this.local, row.id, VALIDATION_PAGE);
    if (!page.length) return { taken: 0, row };
    await letRequestsIn();
    const now = nowIso();
    const results = page.map((s) => validateShipment(s, now));
    const provider = this.ratesWithProvider(row);
    const settled = provider ? results.filter((r) => r.status !== "valid") : results;
    const toRate = provider ? results.filter((r) => r.status === "valid").map((r) => r.id) : [];
    const delta: Partial<Record<ShipmentStatus, number>> = { validating: -settled.length };
    for (const r of settled) delta[r.status] = (delta[r.status] ?? 0) + 1;
    const counts = JSON.stringify(this.adjusted(row, delta).counts);
    this.sqlite.transaction(() => {
      for (const st of [...shipments.saveValidation(this.local, settled), ...(toRate.length ? [shipments.markRating(this.local, row.id, toRate, now)] : [])]) this.sqlite.rows(st);
      this.sqlite.rows(own.saveCounts(this.local, row.id, counts));
    });
    if (toRate.length) await this.env.RATE_QUEUE.send({ batch_id: row.id, shipment_ids: toRate, token: now } satisfies RatingMessage);
    return { taken: page.length, row: { ...row, counts } };
  }

  /** One page, under the lock, while the batch is still validating; `more` while pages may remain. */
  private async validatePage(batchId: string): Promise<Outcome<{ more: boolean }>> {
    const row = await this.load(batchId);
    if (row.status !== "validating") return { ok: true, row, more: false };
    const { taken, row: after } = await this.validateNextPage(row);
    return { ok: true, row: after, more: taken === VALIDATION_PAGE };
  }

  /**
   * Validates whatever is still `validating` (an edit may add some after the last page), then settles
   * the batch, unless provider ratings are still out: then it waits for them (`recordRatings`), and
   * sends again, after a quiet spell, a rating whose message may have been lost.
   */
  private async validatePending(row: BatchRow): Promise<BatchRow> {
    for (let taken = 1; taken > 0;) {
      ({ taken, row } = await this.validateNextPage(row));
      await letRequestsIn();
    }
    const tally = this.recount(row.id);
    if (tally.counts.validating > 0) {
      const stale = await shipments.staleRatings(this.local, row.id, new Date(Date.now() - this.timing.resendMs).toISOString());
      for (let i = 0; i < stale.length; i += VALIDATION_PAGE) {
        const ids = stale.slice(i, i + VALIDATION_PAGE);
        const token = nowIso();
        await this.local.batch([shipments.markRating(this.local, row.id, ids, token)]);
        await this.env.RATE_QUEUE.send({ batch_id: row.id, shipment_ids: ids, token } satisfies RatingMessage);
      }
      await this.timers.set("validate", Date.now() + this.timing.resendMs);
      return row;
    }
    return this.persist(row, this.step(row, tally.counts.invalid ? "some_invalid" : "all_valid", "finish validating"), tally);
  }

  /**
   * The provider's ratings (from the rating consumer): written to the shipments still waiting for that
   * very rating, with the counts they move, in one local transaction; the batch settles once none is awaited.
   */
  async recordRatings(batchId: string, results: readonly shipments.RatingResult[] = []): Promise<Outcome> {
    await backgroundTurn();
    return this.exclusive(async () => {
      let row = await this.load(batchId);
      if (results.length) {
        const now = nowIso();
        row = this.sqlite.transaction(() => {
          const taken = shipments.saveRatings(this.local, batchId, results, now).flatMap((st) => this.sqlite.rows<{ status: ShipmentStatus }>(st));
          const delta: Partial<Record<ShipmentStatus, number>> = { validating: -taken.length };
          for (const t of taken) delta[t.status] = (delta[t.status] ?? 0) + 1;
          const counts = JSON.stringify(this.adjusted(row, delta).counts);
          this.sqlite.rows(own.saveCounts(this.local, batchId, counts));
          return { ...row, counts };
        });
      }
      return { ok: true, row: row.status === "validating" ? await this.validatePending(row) : row };
    });
  }

  /**
   * Re-sends ran out and purchases still make no progress: what was bought stays bought; the rest
   * fails. A purchase may still be in flight at the carrier, so nothing is refunded here: each failed
   * shipment goes back through the purchase queue, whose consumer voids what the carrier sold and only
   * then credits (money/undoPurchases). The `undo` timer sends again whatever is still owed.
   */
  private async timeOut(row: BatchRow): Promise<BatchRow> {
    const queued = await shipments.queuedShipments(this.local, row.id);
    const now = nowIso();
    await this.store.put({ undo_resends: 0 });
    await this.timers.set("undo", Date.now() + this.timing.resendMs);
    await this.armLabels();
    let jobs: LabelJob[] = [];
    const saved = await this.persist(row, () => {
      jobs = this.finishFiles(row.id, queued.map((q) => ({ position: q.position, bought: false })));
      return this.step(row, "stalled", "time out");
    }, undefined, shipments.failShipments(this.local, row.id, queued.map((q) => ({ id: q.id, message: TIMED_OUT_MESSAGE })), now));
    await this.sendLabelJobs(jobs);
    await this.sendPurchases(row.id, queued);
    return saved;
  }
}

export const TIMED_OUT_MESSAGE = "Purchase timed out before the carrier answered";
