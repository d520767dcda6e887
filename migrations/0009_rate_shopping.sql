-- Rate shopping. A shipment may ask for a strategy ("cheapest", "fastest", bounded by delivery days
-- and a carrier allow-list) instead of a service; validation then picks the service. `rates` keeps
-- the alternatives it was rated on, compactly: [[service, cents, delivery days, delivery date], …].
ALTER TABLE shipments ADD COLUMN service_strategy TEXT;
ALTER TABLE shipments ADD COLUMN rates TEXT;
-- The batch's own bounds for its shipments' strategies, and what its chosen shipments cost per service.
ALTER TABLE batches ADD COLUMN max_delivery_days INTEGER;
ALTER TABLE batches ADD COLUMN carriers TEXT;
ALTER TABLE batches ADD COLUMN rate_summary TEXT NOT NULL DEFAULT '[]';
