DROP INDEX documents_pending_idx;
ALTER TABLE documents DROP COLUMN text_attempts;
ALTER TABLE documents DROP COLUMN text_claimed_until;
ALTER TABLE documents DROP COLUMN text_claimed_by;
