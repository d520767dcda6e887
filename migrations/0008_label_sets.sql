-- Merged files come in sets (the purchase's own, and one per POST …/labels): each set's progress,
-- and whether a void since has made it stale. Written by the batch's object with the batch's state.
ALTER TABLE batches ADD COLUMN label_sets TEXT NOT NULL DEFAULT '[]';
