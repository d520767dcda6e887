-- The signing secret is kept (it is needed to sign every delivery) but shown only once, at creation.
CREATE TABLE webhooks (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  url        TEXT NOT NULL,
  events     TEXT NOT NULL,
  secret     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX webhooks_account ON webhooks (account_id, deleted_at);

-- Every delivery attempt, so an event shows what happened to it at each endpoint.
CREATE TABLE webhook_attempts (
  event_id    TEXT NOT NULL,
  webhook_id  TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  status_code INTEGER,
  error       TEXT,
  outcome     TEXT NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed')),
  created_at  TEXT NOT NULL,
  PRIMARY KEY (event_id, webhook_id, attempt)
);
