-- Money is stored in integer cents so sums are exact; the CHECK is the last line of defence for
-- "never below zero" (the debit itself is a conditional UPDATE).
CREATE TABLE accounts (
  id            TEXT PRIMARY KEY,
  balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0),
  currency      TEXT NOT NULL DEFAULT 'USD',
  created_at    TEXT NOT NULL
);

-- Only the SHA-256 of a key is stored; the key itself is shown once, by the seed script.
CREATE TABLE api_keys (
  key_hash   TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  mode       TEXT NOT NULL CHECK (mode IN ('test', 'live')),
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE TABLE batches (
  id              TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL,
  mode            TEXT NOT NULL,
  status          TEXT NOT NULL,
  reference       TEXT,
  name            TEXT,
  via             TEXT NOT NULL,
  default_carrier TEXT,
  default_service TEXT,
  label_format    TEXT NOT NULL,
  label_layout    TEXT NOT NULL,
  metadata        TEXT NOT NULL DEFAULT '{}',
  counts          TEXT NOT NULL,
  total_cents     INTEGER NOT NULL DEFAULT 0,
  currency        TEXT NOT NULL DEFAULT 'USD',
  labels          TEXT NOT NULL DEFAULT '[]',
  scan_form       TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  validated_at    TEXT,
  purchased_at    TEXT,
  completed_at    TEXT,
  expires_at      TEXT NOT NULL
);
CREATE INDEX batches_account_created ON batches (account_id, created_at DESC, id DESC);
CREATE INDEX batches_account_reference ON batches (account_id, reference, created_at DESC);

CREATE TABLE shipments (
  id               TEXT PRIMARY KEY,
  batch_id         TEXT NOT NULL,
  account_id       TEXT NOT NULL,
  position         INTEGER NOT NULL,
  reference        TEXT,
  status           TEXT NOT NULL,
  errors           TEXT,
  carrier          TEXT,
  service          TEXT,
  from_address     TEXT NOT NULL,
  to_address       TEXT NOT NULL,
  parcel           TEXT NOT NULL,
  rate_cents       INTEGER,
  rate_currency    TEXT,
  rate_expires_at  TEXT,
  tracking_number  TEXT,
  label_key        TEXT,
  message          TEXT,
  -- CSV cells that could not be read (e.g. "abc" for weight_oz); the validator reports them while the field stays empty.
  input_errors     TEXT,
  purchased_at     TEXT,
  voided_at        TEXT,
  metadata         TEXT NOT NULL DEFAULT '{}',
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  UNIQUE (batch_id, position)
);
CREATE INDEX shipments_batch_status ON shipments (batch_id, status, position);

CREATE TABLE events (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  type       TEXT NOT NULL,
  batch_id   TEXT,
  data       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX events_account ON events (account_id, id DESC);

-- A row is written before the request runs (response_status NULL = in progress), so a concurrent
-- duplicate sees it and cannot run the action a second time.
CREATE TABLE idempotency_keys (
  account_id      TEXT NOT NULL,
  key             TEXT NOT NULL,
  request_hash    TEXT NOT NULL,
  response_status INTEGER,
  response_body   TEXT,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (account_id, key)
);
