-- Issue 28: a batch's pickups on its summary row (lists), as the batch's object keeps them.
ALTER TABLE batches ADD COLUMN pickups TEXT;
