DROP TABLE import_problems;
DROP INDEX imports_running_idx;
ALTER TABLE imports DROP COLUMN started_by;
ALTER TABLE imports DROP COLUMN attempts;
ALTER TABLE imports DROP COLUMN claimed_until;
ALTER TABLE imports DROP COLUMN claimed_by;
