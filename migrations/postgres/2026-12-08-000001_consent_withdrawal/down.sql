ALTER TABLE consents DROP COLUMN withdrawn_at;
