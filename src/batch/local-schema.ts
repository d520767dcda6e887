// The tables a batch's object keeps in its own SQLite (issue 26): the batch's row and its shipments,
// in the same shapes as D1's (so the statements of src/db/batches.ts and src/db/shipments.ts run here
// unchanged), its label plan a file per row, what it still owes D1 (events, credits), and the sandbox
// carrier's books for the labels it sold to this batch. Versioned by the storage key `local_schema`:
// a step is added at the end, never changed.
import type { LocalSql } from "./local-sql";

export const LOCAL_SCHEMA: readonly string[] = [
  `CREATE TABLE batches (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, mode TEXT NOT NULL, status TEXT NOT NULL, reference TEXT, name TEXT, via TEXT NOT NULL,
    default_carrier TEXT, default_service TEXT, max_delivery_days INTEGER, carriers TEXT, label_format TEXT NOT NULL, label_layout TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}', counts TEXT NOT NULL, total_cents INTEGER NOT NULL DEFAULT 0, currency TEXT NOT NULL DEFAULT 'USD',
    labels TEXT NOT NULL DEFAULT '[]', label_sets TEXT NOT NULL DEFAULT '[]', scan_form TEXT, rate_summary TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, validated_at TEXT, purchased_at TEXT, completed_at TEXT, expires_at TEXT NOT NULL
  );
  CREATE TABLE shipments (
    id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, account_id TEXT NOT NULL, position INTEGER NOT NULL, reference TEXT, status TEXT NOT NULL,
    errors TEXT, carrier TEXT, service TEXT, from_address TEXT NOT NULL, to_address TEXT NOT NULL, parcel TEXT NOT NULL,
    rate_cents INTEGER, rate_currency TEXT, rate_expires_at TEXT, tracking_number TEXT, label_key TEXT, message TEXT, input_errors TEXT,
    purchased_at TEXT, voided_at TEXT, metadata TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    provider_shipment_id TEXT, provider_rate_id TEXT, provider_buy_at TEXT, refund_status TEXT, rating_at TEXT,
    service_strategy TEXT, rates TEXT, insurance_cents INTEGER, insurance_fee_cents INTEGER, fees TEXT, charged_cents INTEGER,
    warnings TEXT, verified_to_address TEXT, refund_submitted_at TEXT,
    UNIQUE (batch_id, position)
  );
  CREATE INDEX shipments_batch_status ON shipments (batch_id, status, position, rate_cents, charged_cents);
  CREATE TABLE label_files (
    n INTEGER PRIMARY KEY, set_no INTEGER NOT NULL, format TEXT NOT NULL, layout TEXT NOT NULL,
    first_position INTEGER NOT NULL, last_position INTEGER NOT NULL, remaining INTEGER NOT NULL, bought INTEGER NOT NULL,
    queued INTEGER NOT NULL, written INTEGER NOT NULL
  );
  CREATE INDEX label_files_range ON label_files (set_no, first_position);
  CREATE INDEX label_files_open ON label_files (written, queued);
  CREATE TABLE pending_events (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, type TEXT NOT NULL, batch_id TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE owed_credits (shipment_id TEXT PRIMARY KEY, reason TEXT NOT NULL, at TEXT NOT NULL);
  CREATE TABLE sandbox_labels (idempotency_key TEXT PRIMARY KEY, carrier TEXT NOT NULL, service TEXT NOT NULL, tracking_number TEXT NOT NULL, created_at TEXT NOT NULL, voided_at TEXT)`,
  // Issue 27: international shipments' customs declarations, and the batch's defaults for them.
  `ALTER TABLE shipments ADD COLUMN customs TEXT;
  ALTER TABLE batches ADD COLUMN customs_defaults TEXT`,
  // Issue 28: the batch's pickups (batch/pickups.ts).
  `ALTER TABLE batches ADD COLUMN pickups TEXT`,
  // Issue 29: each bought shipment's tracking (its JSON, its status for filters and the summary, when
  // it is next due: a sandbox scan, or a live tracker's sweep) and the batch's summary of them.
  `ALTER TABLE shipments ADD COLUMN tracking TEXT;
  ALTER TABLE shipments ADD COLUMN tracking_status TEXT;
  ALTER TABLE shipments ADD COLUMN tracking_next_at INTEGER;
  CREATE INDEX shipments_tracking_due ON shipments (tracking_next_at) WHERE tracking_next_at IS NOT NULL;
  CREATE INDEX shipments_tracking_status ON shipments (batch_id, status, tracking_status);
  CREATE INDEX shipments_provider ON shipments (provider_shipment_id) WHERE provider_shipment_id IS NOT NULL;
  ALTER TABLE batches ADD COLUMN tracking_summary TEXT`,
];

/** Whether this object has its tables yet (a batch made before issue 26 may not, until first touched). */
export const hasLocalSchema = (storage: DurableObjectStorage) =>
  storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'batches'").one().n > 0;

/** Applies the steps this object has not run yet, each in its own transaction with its number. */
export function ensureLocalSchema(local: LocalSql) {
  const storage = local.storage;
  const done = storage.kv.get<number>("local_schema") ?? 0;
  for (let i = done; i < LOCAL_SCHEMA.length; i++) {
    storage.transactionSync(() => {
      local.execScript(LOCAL_SCHEMA[i]);
      storage.kv.put("local_schema", i + 1);
    });
  }
}
