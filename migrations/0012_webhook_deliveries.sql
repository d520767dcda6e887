-- Every webhook delivery is owed until its endpoint answers 2xx or its retries run out: one row per
-- event and subscription, so a delivery (or a fan-out) lost with the queue is found and sent again by
-- the sweep (the Worker's cron trigger). Events written before this were delivered by the old path.
ALTER TABLE events ADD COLUMN fanned_out_at TEXT;
UPDATE events SET fanned_out_at = created_at;
CREATE INDEX events_unfanned ON events (created_at) WHERE fanned_out_at IS NULL;

CREATE TABLE webhook_deliveries (
  event_id   TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('owed', 'delivered', 'failed')),
  attempts   INTEGER NOT NULL DEFAULT 0,
  next_at    TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (event_id, webhook_id)
);
CREATE INDEX webhook_deliveries_owed ON webhook_deliveries (next_at) WHERE status = 'owed';
