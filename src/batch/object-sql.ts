// The batch object's own SQL beyond the batch row and its shipments (those are src/db/batches.ts and
// src/db/shipments.ts, run here against the object's SQLite): its label plan a file per row, the
// events and credits it owes D1, and the copy of a batch made before issue 26 out of D1 into the
// object. Each function answers statements to compose into one local transaction, or reads.
import type { BatchRow } from "../db/batches";
import { extract, jsonChunks } from "../db/sql";
import { D1_SHIPMENT_COLUMNS } from "../db/shipments";
import type { PlannedFile } from "./label-plan";

// ---- The label plan, a file per row (label-plan.ts decides; this stores) ----

type FileRow = Omit<PlannedFile, "set" | "queued" | "written"> & { set_no: number; queued: number; written: number };
const toFile = (r: FileRow): PlannedFile => ({
  n: r.n, set: r.set_no, format: r.format, layout: r.layout, first_position: r.first_position, last_position: r.last_position,
  remaining: r.remaining, bought: r.bought, queued: Boolean(r.queued), written: Boolean(r.written),
});
const FILE_COLUMNS = ["n", "set_no", "format", "layout", "first_position", "last_position", "remaining", "bought", "queued", "written"] as const;
const fileRow = (f: PlannedFile) => ({ ...f, set_no: f.set, queued: f.queued ? 1 : 0, written: f.written ? 1 : 0 });

/** Writes these files whole (new ones, or changed ones again): one statement per 512 KB of them. */
export const putFiles = (db: D1Database, files: readonly PlannedFile[]) =>
  jsonChunks(files.map(fileRow)).map((chunk) => db.prepare(
    `INSERT OR REPLACE INTO label_files (${FILE_COLUMNS.join(", ")}) SELECT ${extract(FILE_COLUMNS)} FROM json_each(?)`,
  ).bind(chunk));

/** Rows of label_files as the plan's files. */
export const toFiles = (rows: readonly Record<string, unknown>[]) => (rows as FileRow[]).map(toFile);

/** The purchase's own files that may hold any of these positions (set 1, by its range index). */
export const filesAround = (db: D1Database, first: number, last: number) =>
  db.prepare("SELECT * FROM label_files WHERE set_no = 1 AND first_position <= ?2 AND last_position >= ?1 ORDER BY n").bind(first, last);

/** Files queued to be written and not written yet. */
export const openFiles = (db: D1Database) => db.prepare("SELECT * FROM label_files WHERE written = 0 AND queued = 1 ORDER BY n");

/** Every file, for the few reads that need them all (which sets are whole, which hold a voided label). */
export const allFiles = (db: D1Database) => db.prepare("SELECT * FROM label_files ORDER BY n");

export const markFilesWritten = (db: D1Database, ns: readonly number[]) =>
  db.prepare("UPDATE label_files SET written = 1 WHERE n IN (SELECT value FROM json_each(?))").bind(JSON.stringify(ns));

/** Whether the purchase's own files are all written (label-plan.ts's firstSetWritten, as one count). */
export const firstSetOpen = (db: D1Database) => db.prepare("SELECT COUNT(*) AS n FROM label_files WHERE set_no = 1 AND written = 0");

/** The batch's counts alone, for a change that moves only them (a validation page, ratings). */
export const saveCounts = (db: D1Database, batchId: string, counts: string) =>
  db.prepare("UPDATE batches SET counts = ? WHERE id = ?").bind(counts, batchId);

/** The next file number and set number a new set takes. */
export const planCursor = (db: D1Database) =>
  db.prepare("SELECT COALESCE(MAX(n), 0) + 1 AS next_n, COALESCE(MAX(set_no), 0) AS sets FROM label_files");

// ---- What the object owes D1 ----

export type PendingEvent = { id: string; account_id: string; type: string; batch_id: string; data: string; created_at: string };

/** An event to be written to D1 with the change it reports: kept here in the change's own transaction. */
export const pendingEvent = (db: D1Database, e: PendingEvent) =>
  db.prepare("INSERT INTO pending_events (id, account_id, type, batch_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(e.id, e.account_id, e.type, e.batch_id, e.data, e.created_at);

const EVENT_COLUMNS = ["id", "account_id", "type", "batch_id", "data", "created_at"] as const;
/** Many owed events in a few statements (a page of tracking changes owes hundreds). */
export const pendingEventsPage = (db: D1Database, events: readonly PendingEvent[]) =>
  jsonChunks(events).map((chunk) => db.prepare(`INSERT INTO pending_events (${EVENT_COLUMNS.join(", ")}) SELECT ${extract(EVENT_COLUMNS)} FROM json_each(?)`).bind(chunk));

export const pendingEvents = async (db: D1Database) =>
  (await db.prepare("SELECT * FROM pending_events ORDER BY id").all<PendingEvent>()).results;

export const dropPendingEvents = (db: D1Database, ids: readonly string[]) =>
  db.prepare("DELETE FROM pending_events WHERE id IN (SELECT value FROM json_each(?))").bind(JSON.stringify(ids));

/** Credits this batch owes its account (a void recorded here, its ledger row not yet written in D1). */
export const oweCredits = (db: D1Database, ids: readonly string[], reason: "void" | "refund", now: string) =>
  db.prepare("INSERT OR IGNORE INTO owed_credits (shipment_id, reason, at) SELECT value, ?2, ?3 FROM json_each(?1)").bind(JSON.stringify(ids), reason, now);

export const owedCredits = async (db: D1Database) =>
  (await db.prepare("SELECT shipment_id, reason FROM owed_credits ORDER BY at, shipment_id").all<{ shipment_id: string; reason: "void" | "refund" }>()).results;

export const dropCredits = (db: D1Database, ids: readonly string[]) =>
  db.prepare("DELETE FROM owed_credits WHERE shipment_id IN (SELECT value FROM json_each(?))").bind(JSON.stringify(ids));

// ---- D1's side: the batch's summary row and its events ----

const SUMMARY_COLUMNS = [
  "id", "account_id", "mode", "status", "reference", "name", "via", "default_carrier", "default_service", "max_delivery_days", "carriers",
  "label_format", "label_layout", "metadata", "counts", "total_cents", "currency", "labels", "label_sets", "scan_form", "rate_summary",
  "created_at", "updated_at", "validated_at", "purchased_at", "completed_at", "expires_at", "customs_defaults", "pickups", "tracking_summary",
] as const;
const MUTABLE = SUMMARY_COLUMNS.filter((c) => !["id", "account_id", "mode", "created_at", "via"].includes(c));

/**
 * The batch's row in D1, for lists and filters: written whole, and only ever forward (an older
 * copy arriving late changes nothing).
 */
export const upsertSummary = (d1: D1Database, row: BatchRow) =>
  d1.prepare(
    `INSERT INTO batches (${SUMMARY_COLUMNS.join(", ")}) VALUES (${SUMMARY_COLUMNS.map(() => "?").join(", ")})
     ON CONFLICT (id) DO UPDATE SET ${MUTABLE.map((c) => `${c} = excluded.${c}`).join(", ")} WHERE excluded.updated_at >= batches.updated_at`,
  ).bind(...SUMMARY_COLUMNS.map((c) => row[c] ?? null));

/** Owed events into D1's events, a few statements for any number; a repeat (a flush that died after D1's commit) changes nothing. */
export const flushEvents = (d1: D1Database, events: readonly PendingEvent[]) =>
  jsonChunks(events).map((chunk) => d1.prepare(
    `INSERT INTO events (${EVENT_COLUMNS.join(", ")}) SELECT ${extract(EVENT_COLUMNS)} FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`,
  ).bind(chunk));

// ---- A batch made before issue 26: its rows copied out of D1 ----

export const LEGACY_PAGE = 1_000;

/** One page of the batch's shipments as D1 holds them, raw (JSON columns as text), after `position`. */
export const legacyShipments = async (d1: D1Database, batchId: string, after: number) =>
  (await d1.prepare(`SELECT ${D1_SHIPMENT_COLUMNS.join(", ")} FROM shipments WHERE batch_id = ? AND position > ? ORDER BY position LIMIT ?`)
    .bind(batchId, after, LEGACY_PAGE).all<Record<string, unknown> & { position: number }>()).results;

export const legacySandboxLabels = async (d1: D1Database, batchId: string) =>
  (await d1.prepare("SELECT * FROM sandbox_labels WHERE idempotency_key IN (SELECT id FROM shipments WHERE batch_id = ?)").bind(batchId).all()).results;

export const insertBatchRow = (db: D1Database, row: BatchRow) =>
  db.prepare(`INSERT INTO batches (${SUMMARY_COLUMNS.join(", ")}) VALUES (${SUMMARY_COLUMNS.map(() => "?").join(", ")})`).bind(...SUMMARY_COLUMNS.map((c) => row[c]));

/** Shipment rows exactly as read (every column), in a few statements. */
export const insertRawShipments = (db: D1Database, rows: readonly Record<string, unknown>[]) =>
  jsonChunks(rows).map((chunk) => db.prepare(
    `INSERT INTO shipments (${D1_SHIPMENT_COLUMNS.join(", ")}) SELECT ${extract(D1_SHIPMENT_COLUMNS)} FROM json_each(?)`,
  ).bind(chunk));

export const insertRawSandboxLabels = (db: D1Database, rows: readonly Record<string, unknown>[]) =>
  jsonChunks(rows).map((chunk) => db.prepare(
    `INSERT OR IGNORE INTO sandbox_labels (idempotency_key, carrier, service, tracking_number, created_at, voided_at)
     SELECT ${extract(["idempotency_key", "carrier", "service", "tracking_number", "created_at", "voided_at"])} FROM json_each(?)`,
  ).bind(chunk));

/** Once copied (and committed here), D1's copy goes: a page at a time, answering how many it deleted. */
export async function deleteLegacyPage(d1: D1Database, batchId: string): Promise<number> {
  const ids = `SELECT id FROM shipments WHERE batch_id = ?1 ORDER BY position LIMIT ${LEGACY_PAGE}`;
  const [, deleted] = await d1.batch([
    d1.prepare(`DELETE FROM sandbox_labels WHERE idempotency_key IN (${ids})`).bind(batchId),
    d1.prepare(`DELETE FROM shipments WHERE id IN (${ids})`).bind(batchId),
  ]);
  return deleted.meta.changes;
}

// ---- Tracking (batch/tracking.ts): the shipments due, written a page at a time, and the summary ----

export const TRACKING_PAGE = 100;
/** Bought shipments whose tracking is due by `now` (epoch ms), the earliest first: by the due index. */
export const dueTracking = (db: D1Database, now: number, limit = TRACKING_PAGE) =>
  db.prepare(`SELECT id, position, reference, tracking_number, service, purchased_at, from_address, to_address, provider_shipment_id, tracking, tracking_status
     FROM shipments WHERE tracking_next_at <= ? AND status = 'purchased' ORDER BY tracking_next_at LIMIT ?`).bind(now, limit);

/** A page of tracking, one statement: each row's JSON, status and next due time; only bought shipments take it. */
export const saveTracking = (db: D1Database, rows: readonly { id: string; tracking: string | null; tracking_status: string; tracking_next_at: number | null }[]) =>
  jsonChunks(rows).map((chunk) => db.prepare(
    `UPDATE shipments SET tracking = u.tracking, tracking_status = u.tracking_status, tracking_next_at = u.tracking_next_at
     FROM (SELECT ${extract(["id", "tracking", "tracking_status", "tracking_next_at"])} FROM json_each(?)) AS u
     WHERE shipments.id = u.id AND shipments.status = 'purchased'`,
  ).bind(chunk));

/** When the next tracking is due, if any. */
export const nextTrackingAt = (db: D1Database) =>
  db.prepare("SELECT MIN(tracking_next_at) AS at FROM shipments WHERE tracking_next_at IS NOT NULL AND status = 'purchased'");

/** How many tracked (bought, not voided) shipments are in each tracking status: from the status index alone. */
export const trackingCounts = (db: D1Database, batchId: string) =>
  db.prepare("SELECT tracking_status, COUNT(*) AS n FROM shipments WHERE batch_id = ? AND status = 'purchased' AND tracking_status IS NOT NULL GROUP BY tracking_status").bind(batchId);

/** The first exceptions, in position order, with their last message. */
export const trackingExceptions = (db: D1Database, batchId: string, limit = 20) =>
  db.prepare(`SELECT id AS shipment_id, position, reference, tracking_status AS status, json_extract(tracking, '$.events[0].message') AS message
     FROM shipments WHERE batch_id = ? AND status = 'purchased' AND tracking_status IN ('failure', 'return_to_sender', 'available_for_pickup')
     ORDER BY position LIMIT ?`).bind(batchId, limit);

/** Bought shipments by the provider's shipment ids: where a provider's tracker belongs. */
export const byProviderShipment = (db: D1Database, providerIds: readonly string[]) =>
  db.prepare(`SELECT id, position, reference, tracking_number, service, purchased_at, from_address, to_address, provider_shipment_id, tracking, tracking_status, status
     FROM shipments WHERE provider_shipment_id IN (SELECT value FROM json_each(?))`).bind(JSON.stringify(providerIds));
