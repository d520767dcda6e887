-- Finding a batch by reference takes the newest with that reference (created_at, then id). With id in
-- the index SQLite answers from it directly, instead of walking all of an account's batches by date.
DROP INDEX batches_account_reference;
CREATE INDEX batches_account_reference ON batches (account_id, reference, created_at DESC, id DESC);
