-- Issue 27: a batch's customs defaults, shown on its summary (lists); its shipments and their
-- declarations live in the batch's own object.
ALTER TABLE batches ADD COLUMN customs_defaults TEXT;
