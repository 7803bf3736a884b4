-- Reading a document's text, after an upload or by the sweep, is claimed first: a document left
-- pending by a restart (its claim lapsed) is read by whichever instance claims it next, and only
-- the holder of the claim saves the text. text_attempts bounds how often a reading is started.
ALTER TABLE documents ADD COLUMN text_claimed_by TEXT;
ALTER TABLE documents ADD COLUMN text_claimed_until TIMESTAMP;
ALTER TABLE documents ADD COLUMN text_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX documents_pending_idx ON documents (id) WHERE text_status = 'pending';
