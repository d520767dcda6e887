-- What a merchant pays for a label, as the provider bills it: the declared value to insure, the
-- insurance fee quoted before buying, the fees charged and their total; what the provider verified
-- of the destination; warnings that never block; when a refund was asked (followed for 35 days).
ALTER TABLE shipments ADD COLUMN insurance_cents INTEGER;
ALTER TABLE shipments ADD COLUMN insurance_fee_cents INTEGER;
ALTER TABLE shipments ADD COLUMN fees TEXT;
ALTER TABLE shipments ADD COLUMN charged_cents INTEGER;
ALTER TABLE shipments ADD COLUMN warnings TEXT;
ALTER TABLE shipments ADD COLUMN verified_to_address TEXT;
ALTER TABLE shipments ADD COLUMN refund_submitted_at TEXT;

-- The bought total of a batch is what was charged: the status counts stay an index-only read.
DROP INDEX shipments_batch_status;
CREATE INDEX shipments_batch_status ON shipments (batch_id, status, position, rate_cents, charged_cents);

-- A live label's charge can differ from the rate debited before buying (the provider bills its fees):
-- the difference is one signed `adjustment` row per shipment, in the same ledger, once.
CREATE TABLE ledger_next (
  shipment_id TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('debit', 'credit', 'adjustment')),
  account_id  TEXT NOT NULL,
  cents       INTEGER NOT NULL CHECK (kind = 'adjustment' OR cents >= 0),
  reason      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (shipment_id, kind)
);
INSERT INTO ledger_next SELECT shipment_id, kind, account_id, cents, reason, created_at FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_next RENAME TO ledger;
CREATE INDEX ledger_account ON ledger (account_id, created_at);
