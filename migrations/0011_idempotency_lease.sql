-- A request holding an Idempotency-Key holds it for a short lease that it renews while it runs; a
-- retry takes over a key whose request died (its lease ran out). The resource id (a batch's id) is
-- reserved with the key, so the retry that takes over finds what the first one made, never a second.
ALTER TABLE idempotency_keys ADD COLUMN locked_until TEXT;
ALTER TABLE idempotency_keys ADD COLUMN resource_id TEXT;
