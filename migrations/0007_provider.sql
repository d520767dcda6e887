-- Live shipments are rated and bought through EasyPost. Its shipment id is stored when the shipment
-- is rated, before anything is bought, so a retried purchase reads it back instead of buying again
-- (the provider has no idempotency key). `provider_buy_at` marks that a buy was asked for.
ALTER TABLE shipments ADD COLUMN provider_shipment_id TEXT;
ALTER TABLE shipments ADD COLUMN provider_rate_id TEXT;
ALTER TABLE shipments ADD COLUMN provider_buy_at TEXT;
-- A live label's refund: submitted when the provider accepted the request, later refunded or rejected.
ALTER TABLE shipments ADD COLUMN refund_status TEXT;
-- While a live shipment waits for the provider's rates: when its rating was sent (the result must carry it).
ALTER TABLE shipments ADD COLUMN rating_at TEXT;
