// A batch's shipments, as statements against D1's interface. They run in the batch's object, whose
// SQLite holds its shipments (local-schema.ts, through local-sql.ts); D1 holds none since issue 26,
// except those of a batch made before it, until its object moves them in on first touch.
import type { StoredAddress, StoredParcel } from "../schemas/address";
import type { ShipmentErrors, ShipmentStatus } from "../schemas/shipment";
import type { BatchRef } from "./batches";
import type { Strategy, StoredAlternative } from "../carriers/shopping";
import { extract, jsonChunks } from "./sql";
import type { RefundStatus } from "../carriers/easypost/mapping";
import type { StoredCustoms } from "../schemas/customs";
import type { StoredTracking } from "../batch/tracking";

/** A shipment as the service works with it; JSON columns already parsed. */
export type ShipmentRecord = {
  id: string; batch_id: string; account_id: string; position: number; reference: string | null;
  status: ShipmentStatus; errors: ShipmentErrors | null; carrier: string | null; service: string | null;
  from_address: StoredAddress; to_address: StoredAddress; parcel: StoredParcel;
  rate_cents: number | null; rate_currency: string | null; rate_expires_at: string | null;
  tracking_number: string | null; label_key: string | null; message: string | null;
  purchased_at: string | null; voided_at: string | null; input_errors: ShipmentErrors | null;
  metadata: Record<string, unknown>; created_at: string; updated_at: string;
  provider_shipment_id: string | null; provider_rate_id: string | null; provider_buy_at: string | null;
  refund_status: RefundStatus | null; rating_at: string | null;
  service_strategy: Strategy | null; rates: StoredAlternative[] | null;
  /** The declared value to insure (input) and the insurance fee quoted for it. */
  insurance_cents: number | null; insurance_fee_cents: number | null;
  /** After a purchase: what was charged, fee by fee, and their sum. */
  fees: { type: string; amount: string }[] | null; charged_cents: number | null;
  warnings: ShipmentErrors | null; verified_to_address: StoredAddress | null; refund_submitted_at: string | null;
  /** An international shipment's customs declaration (the batch's defaults merged in); null when domestic and none was given. */
  customs: StoredCustoms | null;
  /** Once bought: its tracking (batch/tracking.ts), and that status alone for filters. */
  tracking?: StoredTracking | null; tracking_status?: string | null;
};

const JSON_COLUMNS = ["errors", "from_address", "to_address", "parcel", "input_errors", "metadata", "service_strategy", "rates", "fees", "warnings", "verified_to_address", "customs", "tracking"] as const;
// What differs from one new shipment to the next. The rest is the batch's (owner, time), `validating`,
// or empty until the shipment is validated and bought: bound once a statement instead of extracted
// from each row's JSON, which makes a 10,000-row insert markedly cheaper for SQLite.
const NEW_COLUMNS = ["id", "position", "reference", "carrier", "service", "from_address", "to_address", "parcel", "input_errors", "metadata", "service_strategy", "insurance_cents", "customs"] as const;
export type NewShipment = Pick<ShipmentRecord, (typeof NEW_COLUMNS)[number]>;

export function parseShipment(row: Record<string, unknown>): ShipmentRecord {
  const out = { ...row } as Record<string, unknown>;
  for (const c of JSON_COLUMNS) out[c] = typeof row[c] === "string" ? JSON.parse(row[c] as string) : null;
  return out as ShipmentRecord;
}

/** Inserts any number of a batch's new (`validating`) shipments in a few statements (see sql.ts). */
export const insertShipments = (db: D1Database, owner: { batch_id: string; account_id: string }, now: string, records: readonly NewShipment[]) =>
  jsonChunks(records.map((r) => Object.fromEntries(NEW_COLUMNS.map((c) => [c, r[c]])))).map((chunk) => db.prepare(
    `INSERT INTO shipments (${NEW_COLUMNS.join(", ")}, batch_id, account_id, status, created_at, updated_at)
     SELECT ${extract(NEW_COLUMNS)}, ?2, ?3, 'validating', ?4, ?4 FROM json_each(?1)`,
  ).bind(chunk, owner.batch_id, owner.account_id, now));

export type ValidationResult = Pick<
  ShipmentRecord, "id" | "status" | "errors" | "carrier" | "service" | "rate_cents" | "rate_currency" | "rate_expires_at" | "updated_at" | "rates" | "insurance_fee_cents" | "warnings"
>;
const VALIDATION_COLUMNS = ["id", "status", "errors", "carrier", "service", "rate_cents", "rate_currency", "rate_expires_at", "updated_at", "rates", "insurance_fee_cents", "warnings"] as const;

/** Only rows still `validating` take a result, so a stale result can never overwrite a newer edit. */
export const saveValidation = (db: D1Database, results: readonly ValidationResult[]) =>
  jsonChunks(results).map((chunk) =>
    db.prepare(
      `UPDATE shipments SET ${VALIDATION_COLUMNS.slice(1).map((c) => `${c} = u.${c}`).join(", ")}
       FROM (SELECT ${extract(VALIDATION_COLUMNS)} FROM json_each(?)) AS u
       WHERE shipments.id = u.id AND shipments.status = 'validating'`,
    ).bind(chunk));

export async function pendingValidation(db: D1Database, batchId: string, limit: number): Promise<ShipmentRecord[]> {
  const { results } = await db.prepare("SELECT * FROM shipments WHERE batch_id = ? AND status = 'validating' AND rating_at IS NULL ORDER BY position LIMIT ?")
    .bind(batchId, limit).all();
  return results.map(parseShipment);
}

export type StatusCount = { status: ShipmentStatus; n: number; cents: number | null };

/**
 * How many of the batch's shipments are in each status, and what the bought ones cost. Answered from
 * the shipments_batch_status index alone (migration 0005); a column added here belongs in that index.
 */
export const STATUS_COUNTS_SQL = `SELECT status, COUNT(*) AS n, SUM(CASE WHEN status = 'purchased' THEN COALESCE(charged_cents, rate_cents) ELSE 0 END) AS cents
   FROM shipments WHERE batch_id = ? GROUP BY status`;
export const statusCounts = (db: D1Database, batchId: string) => db.prepare(STATUS_COUNTS_SQL).bind(batchId);

export type PageFilter = { page: number; limit: number; status?: string; tracking_status?: string };

/**
 * One page of a batch's shipments and its total, as two statements to run in a db.batch (alone, or
 * together with the batch row so a read is one round trip).
 */
export function shipmentPage(db: D1Database, batch: BatchRef, f: PageFilter, select = "*"): [D1PreparedStatement, D1PreparedStatement] {
  // A tracking status is a bought shipment's: the filter is on both (the shipments_tracking_status index).
  const filter = (f.status ? " AND status = ?" : "") + (f.tracking_status ? " AND status = 'purchased' AND tracking_status = ?" : "");
  const params = [...batch.params, ...(f.status ? [f.status] : []), ...(f.tracking_status ? [f.tracking_status] : [])];
  return [
    db.prepare(`SELECT ${select} FROM shipments WHERE batch_id = ${batch.sql}${filter} ORDER BY position LIMIT ? OFFSET ?`)
      .bind(...params, f.limit, (f.page - 1) * f.limit),
    f.status || f.tracking_status
      ? db.prepare(`SELECT COUNT(*) AS n FROM shipments WHERE batch_id = ${batch.sql}${filter}`).bind(...params)
      // Unfiltered, the batch's counts are exact (written in the same transaction as every shipment
      // change) and spare scanning 10,000 index entries on each poll.
      : db.prepare(`SELECT json_extract(counts, '$.total') AS n FROM batches WHERE id = ${batch.sql}`).bind(...batch.params),
  ];
}

/** The columns of a shipment's row as D1 held them before issue 26 (what a moved batch's rows bring). */
export const D1_SHIPMENT_COLUMNS = [
  "id", "batch_id", "account_id", "position", "reference", "status", "errors", "carrier", "service", "from_address", "to_address", "parcel",
  "rate_cents", "rate_currency", "rate_expires_at", "tracking_number", "label_key", "message", "input_errors", "purchased_at", "voided_at",
  "metadata", "created_at", "updated_at", "provider_shipment_id", "provider_rate_id", "provider_buy_at", "refund_status", "rating_at",
  "service_strategy", "rates", "insurance_cents", "insurance_fee_cents", "fees", "charged_cents", "warnings", "verified_to_address", "refund_submitted_at",
] as const;
/** Every column of a shipment's row in its batch's object: D1's, and those added since (local-schema.ts). */
const RECORD_COLUMNS = [...D1_SHIPMENT_COLUMNS, "customs", "tracking", "tracking_status", "tracking_next_at"] as const;

/**
 * A row as one JSON object with its JSON columns nested, written by SQLite (its values quoted, its
 * JSON columns joined in as they are stored): a page of 100 shipments is then 100 values to hand to
 * JavaScript instead of 4,200 (the runtime's cost per value was most of a read), one `JSON.parse`
 * instead of 1,300, and one string to send across RPC instead of 100 objects. One `format` writes the
 * row in a single pass; joining its 84 pieces with `||` copied the growing text at every join.
 */
export const RECORD_JSON = `format('{${RECORD_COLUMNS.map((c, i) => `${i ? "," : ""}"${c}":%s`).join("")}}', ${RECORD_COLUMNS.map((c) =>
  // JSON columns hold JSON text already (JSON.stringify wrote it): put in as it is, not parsed again.
  (JSON_COLUMNS as readonly string[]).includes(c) ? `COALESCE(${c}, 'null')` : `json_quote(${c})`).join(", ")})`;

/** `shipmentPage`'s rows, each as `RECORD_JSON` (column `r`): read with `shipmentPageJson`. */
export const shipmentPageAsJson = (db: D1Database, batch: BatchRef, f: PageFilter) => shipmentPage(db, batch, f, `${RECORD_JSON} AS r`);

/** The page's rows as one JSON array text, to parse where they are presented. */
export const shipmentPageJson = (rows: D1Result) => `[${(rows.results as { r: string }[]).map((x) => x.r).join(",")}]`;

/** How many shipments the page's filter matches, from its second statement. */
export const pageTotal = (total: D1Result) => (total.results[0] as { n: number } | undefined)?.n ?? 0;

export async function getShipment(db: D1Database, batchId: string, id: string): Promise<ShipmentRecord | null> {
  const row = await db.prepare("SELECT * FROM shipments WHERE batch_id = ? AND id = ?").bind(batchId, id).first();
  return row ? parseShipment(row) : null;
}

export async function maxPosition(db: D1Database, batchId: string): Promise<number> {
  const row = await db.prepare("SELECT COALESCE(MAX(position), 0) AS p FROM shipments WHERE batch_id = ?").bind(batchId).first<{ p: number }>();
  return row?.p ?? 0;
}

/** The status of each of `ids` that belongs to the batch; ids of other batches are simply absent. */
export async function statusesIn(db: D1Database, batchId: string, ids: readonly string[]): Promise<Map<string, ShipmentStatus>> {
  const { results } = await db.prepare("SELECT id, status FROM shipments WHERE batch_id = ? AND id IN (SELECT value FROM json_each(?))")
    .bind(batchId, JSON.stringify(ids)).all<{ id: string; status: ShipmentStatus }>();
  return new Map(results.map((r) => [r.id, r.status]));
}

export const deleteShipments = (db: D1Database, batchId: string, ids: readonly string[]) =>
  db.prepare("DELETE FROM shipments WHERE batch_id = ? AND id IN (SELECT value FROM json_each(?))").bind(batchId, JSON.stringify(ids));

/** Replaces a shipment's editable fields and sends it back to validation. */
export const saveEdit = (db: D1Database, s: ShipmentRecord) =>
  db.prepare(
    `UPDATE shipments SET reference = ?, carrier = ?, service = ?, service_strategy = ?, from_address = ?, to_address = ?, parcel = ?,
       metadata = ?, input_errors = ?, insurance_cents = ?, customs = ?, status = 'validating', errors = NULL, rate_cents = NULL, rate_currency = NULL,
       rate_expires_at = NULL, rates = NULL, rating_at = NULL, provider_shipment_id = NULL, provider_rate_id = NULL,
       insurance_fee_cents = NULL, warnings = NULL, verified_to_address = NULL, updated_at = ?
       WHERE id = ? AND batch_id = ?`,
  ).bind(s.reference, s.carrier, s.service, s.service_strategy ? JSON.stringify(s.service_strategy) : null, JSON.stringify(s.from_address),
    JSON.stringify(s.to_address), JSON.stringify(s.parcel), JSON.stringify(s.metadata), s.input_errors ? JSON.stringify(s.input_errors) : null,
    s.insurance_cents, s.customs ? JSON.stringify(s.customs) : null, s.updated_at, s.id, s.batch_id);

/** What buying or rating a shipment reads: every column but the shown ones (its rates, errors, warnings, fees), most of a row's bytes. */
const WORK_COLUMNS = [
  "id", "batch_id", "account_id", "position", "reference", "status", "carrier", "service", "from_address", "to_address", "parcel",
  "rate_cents", "rate_currency", "rate_expires_at", "tracking_number", "label_key", "message", "purchased_at", "voided_at", "metadata",
  "created_at", "updated_at", "provider_shipment_id", "provider_rate_id", "provider_buy_at", "refund_status", "rating_at",
  "service_strategy", "insurance_cents", "insurance_fee_cents", "charged_cents", "refund_submitted_at", "customs", "tracking",
] as const;
export type WorkShipment = Pick<ShipmentRecord, (typeof WORK_COLUMNS)[number]>;

export async function shipmentsToWork(db: D1Database, ids: readonly string[]): Promise<WorkShipment[]> {
  const { results } = await db.prepare(`SELECT ${WORK_COLUMNS.join(", ")} FROM shipments WHERE id IN (SELECT value FROM json_each(?)) ORDER BY position`)
    .bind(JSON.stringify(ids)).all();
  return results.map(parseShipment);
}

export type Placed = { id: string; position: number };

/**
 * Moves the batch's stored counts by the rows the statement before it changed (`changes()` in the same
 * transaction), so a page of status changes and the counts it leaves commit together.
 */
const shiftCounts = (db: D1Database, batchId: string, from: ShipmentStatus, to: ShipmentStatus) =>
  db.prepare(
    `UPDATE batches SET counts = json_set(counts, '$.${from}', json_extract(counts, '$.${from}') - changes(),
       '$.${to}', json_extract(counts, '$.${to}') + changes()) WHERE id = ?`,
  ).bind(batchId);

/**
 * Moves up to `limit` of the batch's valid shipments, lowest positions first, to `queued`, with the
 * batch's counts; the first statement's rows are the shipments it moved (`Placed`). A batch is queued
 * a page at a time because one statement for 10,000 rows held workerd's thread ~100 ms.
 */
export const queueValidPage = (db: D1Database, batchId: string, now: string, limit: number) => [
  db.prepare(
    `UPDATE shipments SET status = 'queued', updated_at = ?1
     WHERE id IN (SELECT id FROM shipments WHERE batch_id = ?2 AND status = 'valid' ORDER BY position LIMIT ?3)
     RETURNING id, position`,
  ).bind(now, batchId, limit),
  shiftCounts(db, batchId, "valid", "queued"),
];

/** The batch's `queued` shipments: before purchase starts, only those an interrupted start left behind. */
export async function queuedShipments(db: D1Database, batchId: string): Promise<Placed[]> {
  const { results } = await db.prepare("SELECT id, position FROM shipments WHERE batch_id = ? AND status = 'queued' ORDER BY position").bind(batchId).all<Placed>();
  return results;
}

/** A batch that will not be bought after all (cancelled, expired, a start that died): what a start queued is `valid` again, counts with it. */
export const unqueue = (db: D1Database, batchId: string, now: string) => [
  db.prepare("UPDATE shipments SET status = 'valid', updated_at = ? WHERE batch_id = ? AND status = 'queued'").bind(now, batchId),
  shiftCounts(db, batchId, "queued", "valid"),
];

export type PurchaseOutcomeRow = {
  shipment_id: string; status: "purchased" | "purchase_failed"; tracking_number?: string; label_key?: string;
  rate_cents?: number; rate_expires_at?: string | null; purchased_at?: string; message?: string;
  fees?: { type: string; amount: string }[]; charged_cents?: number;
};
const RESULT_COLUMNS = ["shipment_id", "status", "tracking_number", "label_key", "rate_cents", "rate_expires_at", "purchased_at", "message", "fees", "charged_cents"] as const;

/**
 * Writes purchase results to the batch's own shipments still `queued`; each statement returns the
 * rows it moved (`Placed`). A result for another batch's shipment, or a repeat, changes nothing.
 * The `+` keeps SQLite on the primary key: offered the (batch_id, status) index, it scans every
 * queued shipment of the batch against every result, which made 10,000 purchases take 100 s.
 */
export const SAVE_RESULTS_SQL = `UPDATE shipments SET status = u.status, tracking_number = u.tracking_number, label_key = u.label_key,
     rate_cents = COALESCE(u.rate_cents, shipments.rate_cents), rate_expires_at = COALESCE(u.rate_expires_at, shipments.rate_expires_at),
     purchased_at = u.purchased_at, message = u.message, fees = u.fees, charged_cents = u.charged_cents, updated_at = ?2,
     tracking_next_at = CASE WHEN u.status = 'purchased' THEN ?4 ELSE NULL END,
     tracking_status = CASE WHEN u.status = 'purchased' THEN 'pre_transit' ELSE NULL END
   FROM (SELECT ${extract(RESULT_COLUMNS)} FROM json_each(?1)) AS u
   WHERE shipments.id = u.shipment_id AND +shipments.batch_id = ?3 AND shipments.status = 'queued'
   RETURNING shipments.id, shipments.position, shipments.status, shipments.charged_cents, shipments.rate_cents`;

/** A purchase result as written: what the batch's counts, total and rate summary move by. */
export type Recorded = Placed & { status: "purchased" | "purchase_failed"; charged_cents: number | null; rate_cents: number | null };

/** What the results' still-queued shipments cost as chosen, before their results are written. */
export type QueuedCost = { id: string; carrier: string; service: string; rate_cents: number | null; insurance_fee_cents: number | null };
export const queuedCosts = (db: D1Database, batchId: string, ids: readonly string[]) =>
  db.prepare("SELECT id, carrier, service, rate_cents, insurance_fee_cents FROM shipments WHERE id IN (SELECT value FROM json_each(?2)) AND +batch_id = ?1 AND status = 'queued'")
    .bind(batchId, JSON.stringify(ids));
/** `trackingAt`: when a bought shipment's tracking is first due (epoch ms). */
export const savePurchaseResults = (db: D1Database, batchId: string, results: readonly PurchaseOutcomeRow[], now: string, trackingAt: number) =>
  jsonChunks(results).map((chunk) => db.prepare(SAVE_RESULTS_SQL).bind(chunk, now, batchId, trackingAt));

/** The batch's failed shipments: after a time-out, those still debited and not credited are undone again. */
export async function failedShipments(db: D1Database, batchId: string): Promise<string[]> {
  const { results } = await db.prepare("SELECT id FROM shipments WHERE batch_id = ? AND status = 'purchase_failed' ORDER BY position").bind(batchId).all<{ id: string }>();
  return results.map((r) => r.id);
}

/** The message of failed shipments whose sold label was voided on the way to their refund. */
export const noteVoided = (db: D1Database, ids: readonly string[], message: string, now: string) =>
  db.prepare("UPDATE shipments SET message = ?2, updated_at = ?3 WHERE status = 'purchase_failed' AND id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(ids), message, now);

/** Shipments still `queued` when a batch times out end `purchase_failed`, each with its own message. */
export const failShipments = (db: D1Database, batchId: string, failed: readonly { id: string; message: string }[], now: string) =>
  jsonChunks(failed).map((chunk) => db.prepare(
    `UPDATE shipments SET status = 'purchase_failed', message = u.message, updated_at = ?2
     FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.message') AS message FROM json_each(?1)) AS u
     WHERE shipments.id = u.id AND +shipments.batch_id = ?3 AND shipments.status = 'queued'`,
  ).bind(chunk, now, batchId));

export const markVoided = (db: D1Database, batchId: string, id: string, refundStatus: string | null, now: string) =>
  db.prepare(
    `UPDATE shipments SET status = 'voided', voided_at = ?1, refund_status = ?2, refund_submitted_at = CASE WHEN ?2 IS NULL THEN NULL ELSE ?1 END,
       tracking_next_at = NULL, updated_at = ?1 WHERE batch_id = ?3 AND id = ?4 AND status = 'purchased'`,
  ).bind(now, refundStatus, batchId, id);

/** A live void whose refund EasyPost decided: `refunded` stays voided; `rejected` and `not_applicable` are bought again (the label stands, and is paid). */
export const settleRefund = (db: D1Database, batchId: string, id: string, status: RefundStatus, now: string) =>
  db.prepare(
    `UPDATE shipments SET refund_status = ?1, status = CASE WHEN ?1 = 'refunded' THEN 'voided' ELSE 'purchased' END,
       voided_at = CASE WHEN ?1 = 'refunded' THEN voided_at ELSE NULL END, updated_at = ?2
     WHERE batch_id = ?3 AND id = ?4 AND status = 'voided' AND refund_status = 'submitted'`,
  ).bind(status, now, batchId, id);

/** Voided live labels whose refund is still `submitted`, and since when. */
export async function pendingRefunds(db: D1Database, batchId: string): Promise<{ id: string; refund_submitted_at: string }[]> {
  const { results } = await db.prepare(
    "SELECT id, COALESCE(refund_submitted_at, voided_at) AS refund_submitted_at FROM shipments WHERE batch_id = ? AND status = 'voided' AND refund_status = 'submitted' ORDER BY position",
  ).bind(batchId).all<{ id: string; refund_submitted_at: string }>();
  return results;
}

/** Before a live buy is sent: from now on a retry reads the provider's shipment before buying. */
export const markBuyStarted = (db: D1Database, ids: readonly string[], now: string) =>
  db.prepare("UPDATE shipments SET provider_buy_at = COALESCE(provider_buy_at, ?2) WHERE id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(ids), now);

/** Live shipments handed to the provider for rating, with the token their result must carry. */
export const markRating = (db: D1Database, batchId: string, ids: readonly string[], token: string) =>
  db.prepare("UPDATE shipments SET rating_at = ?3 WHERE +batch_id = ?1 AND status = 'validating' AND id IN (SELECT value FROM json_each(?2))")
    .bind(batchId, JSON.stringify(ids), token);

/** Live shipments whose rating was sent before `before` and has not come back (its message may be lost). */
export async function staleRatings(db: D1Database, batchId: string, before: string): Promise<string[]> {
  const { results } = await db.prepare("SELECT id FROM shipments WHERE batch_id = ? AND status = 'validating' AND rating_at IS NOT NULL AND rating_at < ? ORDER BY position")
    .bind(batchId, before).all<{ id: string }>();
  return results.map((r) => r.id);
}

export type RatingResult = Pick<ShipmentRecord, "id" | "status" | "errors" | "rate_cents" | "rate_currency" | "rate_expires_at" | "provider_shipment_id" | "provider_rate_id" | "carrier" | "service" | "rates" | "insurance_fee_cents" | "verified_to_address"> & { token: string };
const RATING_COLUMNS = ["id", "token", "status", "errors", "rate_cents", "rate_currency", "rate_expires_at", "provider_shipment_id", "provider_rate_id", "carrier", "service", "rates", "insurance_fee_cents", "verified_to_address"] as const;

/** The provider's ratings; only a shipment still waiting for this very rating (same token) takes it, so an edit meanwhile wins. */
export const saveRatings = (db: D1Database, batchId: string, results: readonly RatingResult[], now: string) =>
  jsonChunks(results).map((chunk) => db.prepare(
    `UPDATE shipments SET ${RATING_COLUMNS.slice(2).map((c) => `${c} = u.${c}`).join(", ")}, rating_at = NULL, updated_at = ?2
     FROM (SELECT ${extract(RATING_COLUMNS)} FROM json_each(?1)) AS u
     WHERE shipments.id = u.id AND +shipments.batch_id = ?3 AND shipments.status = 'validating' AND shipments.rating_at = u.token
     RETURNING shipments.status`,
  ).bind(chunk, now, batchId));

/** What a merged file needs of a bought shipment (not its rates or errors, which are most of a row). */
const LABEL_COLUMNS = ["id", "batch_id", "position", "reference", "carrier", "service", "from_address", "to_address", "parcel", "tracking_number", "purchased_at", "label_key", "customs"] as const;
export type LabelSource = Pick<ShipmentRecord, (typeof LABEL_COLUMNS)[number]>;

/** The bought (not voided) shipments of one file, in position order: what a merged file prints. */
export async function purchasedInRange(db: D1Database, batchId: string, first: number, last: number): Promise<LabelSource[]> {
  const { results } = await db.prepare(
    `SELECT ${LABEL_COLUMNS.join(", ")} FROM shipments WHERE batch_id = ? AND status = 'purchased' AND position BETWEEN ? AND ? ORDER BY position`,
  ).bind(batchId, first, last).all();
  return results.map(parseShipment);
}

export async function purchasedPositions(db: D1Database, batchId: string): Promise<number[]> {
  const { results } = await db.prepare("SELECT position FROM shipments WHERE batch_id = ? AND status = 'purchased' ORDER BY position")
    .bind(batchId).all<{ position: number }>();
  return results.map((r) => r.position);
}

export type ManifestSource = { id: string; position: number; tracking_number: string; carrier: string; service: string; weight_oz: number; cents: number; from_address: string };

export async function manifestRows(db: D1Database, batchId: string) {
  const { results } = await db.prepare(
    `SELECT id, position, tracking_number, carrier, service, json_extract(parcel, '$.weight_oz') AS weight_oz, rate_cents AS cents, from_address
     FROM shipments WHERE batch_id = ? AND status = 'purchased' ORDER BY position`,
  ).bind(batchId).all<ManifestSource>();
  return results;
}

/** What the batch's chosen shipments (valid, queued or bought) cost, per carrier and service. */
export const RATE_SUMMARY_SQL = `SELECT carrier, service, COUNT(*) AS n,
     COALESCE(SUM(CASE WHEN status = 'purchased' THEN COALESCE(charged_cents, rate_cents) ELSE rate_cents + COALESCE(insurance_fee_cents, 0) END), 0) AS cents FROM shipments
   WHERE batch_id = ? AND status IN ('valid', 'queued', 'purchased') AND service IS NOT NULL GROUP BY carrier, service ORDER BY carrier, service`;
export const rateSummaryOf = (db: D1Database, batchId: string) => db.prepare(RATE_SUMMARY_SQL).bind(batchId);


/** What buying the batch's valid shipments would charge now: each one's rate and its insurance fee. */
export async function amountToCharge(db: D1Database, batchId: string): Promise<number> {
  const row = await db.prepare("SELECT COALESCE(SUM(rate_cents + COALESCE(insurance_fee_cents, 0)), 0) AS cents FROM shipments WHERE batch_id = ? AND status = 'valid'")
    .bind(batchId).first<{ cents: number }>();
  return row?.cents ?? 0;
}
