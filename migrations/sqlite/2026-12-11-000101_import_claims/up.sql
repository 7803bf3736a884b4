-- Imports run as background work under a claim, like the outbox's messages: the instance running
-- one holds it until claimed_until and renews the claim in the transaction of every chunk of rows
-- it writes; when that instance stops or dies, another (or the same one, restarted) resumes the
-- import where it stopped. attempts counts the runs that took it up (more than one: it was
-- interrupted and resumed). started_by is who pressed "Import": the runner writes on their behalf.
ALTER TABLE imports ADD COLUMN claimed_by TEXT;
ALTER TABLE imports ADD COLUMN claimed_until TIMESTAMP;
ALTER TABLE imports ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN started_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
UPDATE imports SET started_by = created_by;
CREATE INDEX imports_running_idx ON imports (id) WHERE status = 'running';

-- The problems of an import's rows, written in the same transaction as the rows, so that an
-- import resumed after an interruption still reports the rows it skipped before it.
CREATE TABLE import_problems (
    id INTEGER PRIMARY KEY,
    import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_number INTEGER NOT NULL,
    column_name TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX import_problems_import_idx ON import_problems (import_id, row_number);
