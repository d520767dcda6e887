// A batch's row. The same statements run in two places: in the batch's object, whose SQLite holds the
// batch's own row (the object reads and writes it, through local-sql.ts), and in D1, whose
// `batches` table holds one summary row per batch for lists, filters and reference look-ups (written
// by the object's sync, batch/object-sql.ts).
import type { BatchStatus } from "../batch/machine";
import { where } from "./sql";

export type BatchRow = {
  id: string; account_id: string; mode: "test" | "live"; status: BatchStatus;
  reference: string | null; name: string | null; via: "api" | "file";
  default_carrier: string | null; default_service: string | null; max_delivery_days: number | null; carriers: string | null;
  label_format: "pdf" | "zpl" | "epl2"; label_layout: "4x6" | "letter";
  metadata: string; counts: string; total_cents: number; currency: string;
  labels: string; label_sets: string; scan_form: string | null; rate_summary: string;
  created_at: string; updated_at: string; validated_at: string | null; purchased_at: string | null;
  completed_at: string | null; expires_at: string;
  /** The customs fields international shipments take when they do not set them (JSON), or null. */
  customs_defaults?: string | null;
  /** The batch's pickups (batch/pickups.ts), as JSON, or null before the first. */
  pickups?: string | null;
  /** Its bought shipments' tracking at a glance (batch/tracking.ts), as JSON, or null before any. */
  tracking_summary?: string | null;
};

const COLUMNS = [
  "id", "account_id", "mode", "status", "reference", "name", "via", "default_carrier", "default_service", "max_delivery_days", "carriers",
  "label_format", "label_layout", "metadata", "counts", "total_cents", "currency", "labels", "label_sets", "scan_form", "rate_summary",
  "created_at", "updated_at", "validated_at", "purchased_at", "completed_at", "expires_at", "customs_defaults", "pickups", "tracking_summary",
] as const;

export const insertBatch = (db: D1Database, row: BatchRow) =>
  db.prepare(`INSERT INTO batches (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})`)
    .bind(...COLUMNS.map((c) => row[c] ?? null));

/** Writes the columns the Durable Object owns; only the DO calls this. */
export const saveBatchState = (db: D1Database, row: BatchRow) =>
  db.prepare(
    `UPDATE batches SET status = ?, counts = ?, total_cents = ?, labels = ?, label_sets = ?, scan_form = ?, rate_summary = ?, updated_at = ?,
       validated_at = ?, purchased_at = ?, completed_at = ?, pickups = ?, tracking_summary = ? WHERE id = ?`,
  ).bind(row.status, row.counts, row.total_cents, row.labels, row.label_sets, row.scan_form, row.rate_summary, row.updated_at,
    row.validated_at, row.purchased_at, row.completed_at, row.pickups ?? null, row.tracking_summary ?? null, row.id);

/** A batch id as SQL to splice into a query, with its parameters. */
export type BatchRef = { sql: string; params: unknown[] };
export const batchById = (id: string): BatchRef => ({ sql: "?", params: [id] });

/** The id of the account's newest batch with this reference (D1's summary rows). */
export async function newestWithReference(db: D1Database, accountId: string, reference: string): Promise<string | null> {
  return db.prepare("SELECT id FROM batches WHERE account_id = ? AND reference = ? ORDER BY created_at DESC, id DESC LIMIT 1")
    .bind(accountId, reference).first<string>("id");
}

export const selectBatch = (db: D1Database, ref: BatchRef) =>
  db.prepare(`SELECT * FROM batches WHERE id = ${ref.sql}`).bind(...ref.params);

export const getBatchById = (db: D1Database, id: string) => selectBatch(db, batchById(id)).first<BatchRow>();

export type BatchFilters = {
  page: number; limit: number; order: "asc" | "desc"; status?: string; via?: string; reference?: string;
  created_after?: string; created_before?: string;
};

export async function listBatches(db: D1Database, accountId: string, f: BatchFilters) {
  const w = where([
    ["account_id = ?", accountId], ["status = ?", f.status], ["via = ?", f.via], ["reference = ?", f.reference],
    ["created_at > ?", f.created_after && new Date(f.created_after).toISOString()],
    ["created_at < ?", f.created_before && new Date(f.created_before).toISOString()],
  ]);
  const dir = f.order === "asc" ? "ASC" : "DESC";
  const [rows, total] = await db.batch([
    db.prepare(`SELECT * FROM batches WHERE ${w.sql} ORDER BY created_at ${dir}, id ${dir} LIMIT ? OFFSET ?`)
      .bind(...w.params, f.limit, (f.page - 1) * f.limit),
    db.prepare(`SELECT COUNT(*) AS n FROM batches WHERE ${w.sql}`).bind(...w.params),
  ]);
  return { rows: rows.results as BatchRow[], total: (total.results[0] as { n: number }).n };
}
