import { DurableObject } from "cloudflare:workers";
import * as batches from "../db/batches";
import type { BatchRow } from "../db/batches";
import { insertEvent } from "../db/events";
import * as shipments from "../db/shipments";
import type { ErrorCode, ErrorDetail } from "../http/errors";
import { nowIso } from "../lib/time";
import type { BatchSummary } from "../schemas/batch";
import type { CsvRow } from "../schemas/csv";
import type { ShipmentIn } from "../schemas/shipment";
import { applyPatch, toRecord } from "./intake";
import { next, type BatchEvent } from "./machine";
import { emptyCounts, toBatchSummary, toShipment } from "./present";
import { validateShipment } from "./validate";

export type Refusal = { ok: false; code: ErrorCode; message: string; details?: ErrorDetail[] };
export type Outcome<T = object> = ({ ok: true; batch: BatchSummary } & T) | Refusal;

const VALIDATION_PAGE = 500;

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}
const refuse = (code: ErrorCode, message: string, details?: ErrorDetail[]): never => {
  throw new Refused({ ok: false, code, message, details });
};

/**
 * One instance per batch (`idFromName(batch_id)`): the only code that changes a batch's status.
 * Every operation runs through `exclusive`, because awaiting D1 opens the object's input gate and
 * would otherwise let a second request interleave with the first.
 */
export class BatchObject extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve();

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

  private async load(batchId: string): Promise<BatchRow> {
    const row = await batches.getBatchById(this.db, batchId);
    if (!row) refuse("not_found", "No such batch.");
    return row!;
  }

  /** Moves the batch by the transition table, or refuses with the state in the message. */
  private step(row: BatchRow, event: BatchEvent, action: string): BatchRow {
    const to = next(row.status, event);
    if (!to) refuse("invalid_state", `The batch is ${row.status}; it cannot ${action} now.`);
    return { ...row, status: to! };
  }

  /** Recounts the shipments, writes the batch row and one `batch.updated` event per status change. */
  private async persist(before: BatchRow, after: BatchRow, extra: D1PreparedStatement[] = []): Promise<BatchRow> {
    const now = nowIso();
    const counts = emptyCounts();
    let cents = 0;
    for (const r of await shipments.statusCounts(this.db, after.id)) {
      counts[r.status] = r.n;
      counts.total += r.n;
      cents += r.cents ?? 0;
    }
    const row: BatchRow = { ...after, counts: JSON.stringify(counts), total_cents: cents, updated_at: now };
    if (row.status === "ready" || row.status === "invalid") row.validated_at = now;
    const statements = [...extra, batches.saveBatchState(this.db, row)];
    if (row.status !== before.status) {
      statements.push(insertEvent(this.db, row.account_id, "batch.updated", row.id,
        { ...toBatchSummary(row), previous_status: before.status }, now));
    }
    await this.db.batch(statements);
    return row;
  }

  private async intake(row: BatchRow, rows: readonly CsvRow[], firstPosition: number, now: string) {
    const records = rows.map((r, i) =>
      toRecord(r.input, firstPosition + i, { batch_id: row.id, account_id: row.account_id }, row, now, r.errors));
    if (records.length) await this.db.batch(shipments.insertShipments(this.db, records));
    return records.length;
  }

  async create(row: BatchRow, rows: CsvRow[]): Promise<Outcome> {
    return this.exclusive(async () => {
      await this.ctx.storage.put("batch_id", row.id);
      const initial: BatchRow = { ...row, status: rows.length ? "validating" : "ready", counts: JSON.stringify(emptyCounts()) };
      await this.db.batch([
        batches.insertBatch(this.db, initial),
        insertEvent(this.db, row.account_id, "batch.created", row.id, toBatchSummary(initial), row.created_at),
      ]);
      await this.intake(initial, rows, 1, row.created_at);
      const saved = await this.persist(initial, initial);
      if (rows.length) await this.ctx.storage.setAlarm(Date.now());
      return { ok: true, batch: toBatchSummary(saved) };
    });
  }

  async addShipments(batchId: string, rows: CsvRow[]): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const moved = this.step(row, "edit", "take new shipments");
      const count = JSON.parse(row.counts).total as number;
      if (count + rows.length > 10_000) {
        refuse("payload_too_large", `A batch holds at most 10,000 shipments; it has ${count}.`);
      }
      await this.intake(row, rows, (await shipments.maxPosition(this.db, batchId)) + 1, nowIso());
      return this.revalidate(row, moved);
    });
  }

  async removeShipments(batchId: string, ids: string[]): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const moved = this.step(row, "edit", "remove shipments");
      const found = await shipments.findIds(this.db, batchId, ids);
      const missing = ids.map((id, i) => ({ id, i })).filter(({ id }) => !found.has(id));
      if (missing.length) {
        refuse("validation_failed", "Some shipment ids are not in this batch; nothing was removed.",
          missing.map(({ i }) => ({ path: `shipment_ids.${i}`, message: "No such shipment in this batch" })));
      }
      await this.db.batch([shipments.deleteShipments(this.db, batchId, ids)]);
      return this.revalidate(row, moved);
    });
  }

  async editShipment(batchId: string, shipmentId: string, patch: ShipmentIn): Promise<Outcome<{ shipment: ReturnType<typeof toShipment> }>> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const moved = this.step(row, "edit", "change shipments");
      const current = await shipments.getShipment(this.db, batchId, shipmentId);
      if (!current) return refuse("not_found", "No such shipment in this batch.");
      const edited = { ...applyPatch(current, patch, row, nowIso()), status: "validating" as const, errors: null,
        rate_cents: null, rate_currency: null, rate_expires_at: null };
      const result = await this.revalidate(row, moved, [shipments.saveEdit(this.db, edited)]);
      return { ...result, shipment: toShipment(edited) };
    });
  }

  async cancel(batchId: string): Promise<Outcome> {
    return this.exclusive(async () => {
      const row = await this.load(batchId);
      const saved = await this.persist(row, this.step(row, "cancel", "be cancelled"));
      return { ok: true, batch: toBatchSummary(saved) };
    });
  }

  private async revalidate(before: BatchRow, moved: BatchRow, extra: D1PreparedStatement[] = []) {
    const saved = await this.persist(before, moved, extra);
    await this.ctx.storage.setAlarm(Date.now());
    return { ok: true as const, batch: toBatchSummary(saved) };
  }

  async alarm(): Promise<void> {
    const batchId = await this.ctx.storage.get<string>("batch_id");
    if (!batchId) return;
    const outcome = await this.exclusive(() => this.validatePending(batchId));
    if (!outcome.ok && outcome.code !== "not_found") throw new Error(outcome.message);
  }

  /** Validates and rates every shipment still `validating`, a page at a time, then settles the batch. */
  private async validatePending(batchId: string): Promise<Outcome> {
    const row = await this.load(batchId);
    if (row.status !== "validating") return { ok: true, batch: toBatchSummary(row) };
    for (;;) {
      const page = await shipments.pendingValidation(this.db, batchId, VALIDATION_PAGE);
      if (!page.length) break;
      const now = nowIso();
      await this.db.batch(shipments.saveValidation(this.db, page.map((s) => validateShipment(s, row.mode, now))));
    }
    const invalid = (await shipments.statusCounts(this.db, batchId)).some((r) => r.status === "invalid");
    const saved = await this.persist(row, this.step(row, invalid ? "some_invalid" : "all_valid", "finish validating"));
    return { ok: true, batch: toBatchSummary(saved) };
  }
}
