-- Issue 29: a batch's tracking summary on its summary row (lists), as the batch's object keeps it.
ALTER TABLE batches ADD COLUMN tracking_summary TEXT;
