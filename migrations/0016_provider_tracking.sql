-- Issue 29: EasyPost's tracker events, matched to the batch that owns the provider's shipment (written
-- when a live shipment is rated), and deduplicated by event id.
CREATE TABLE provider_shipments (provider_shipment_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL);
CREATE TABLE provider_events (id TEXT PRIMARY KEY, received_at TEXT NOT NULL);
