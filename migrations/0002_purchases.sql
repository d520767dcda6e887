-- Every movement of money, one debit and at most one credit per shipment: the primary key is what
-- makes "charge once" and "credit back once" hold however often a message is delivered.
CREATE TABLE ledger (
  shipment_id TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('debit', 'credit')),
  account_id  TEXT NOT NULL,
  cents       INTEGER NOT NULL CHECK (cents >= 0),
  reason      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (shipment_id, kind)
);
CREATE INDEX ledger_account ON ledger (account_id, created_at);

-- The sandbox carrier's own books: a label bought under an idempotency key is returned again for it.
CREATE TABLE sandbox_labels (
  idempotency_key TEXT PRIMARY KEY,
  carrier         TEXT NOT NULL,
  service         TEXT NOT NULL,
  tracking_number TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  voided_at       TEXT
);
