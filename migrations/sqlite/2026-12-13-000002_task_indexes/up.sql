-- A task made from an activity is found by that activity alone. Most tasks have none, so the
-- index holds only those that do (and planners do not mistake it for a useless one).
DROP INDEX tasks_activity_idx;
CREATE INDEX tasks_activity_idx ON tasks (activity_id) WHERE activity_id IS NOT NULL;
-- A record's open tasks in due order, read from the record's own part of the index and stopped
-- after a page, as the assignee's index already does.
DROP INDEX tasks_contractor_idx;
CREATE INDEX tasks_contractor_idx ON tasks (agency_id, contractor_id, done_at, due_on);
DROP INDEX tasks_job_idx;
CREATE INDEX tasks_job_idx ON tasks (agency_id, job_id, done_at, due_on);
DROP INDEX tasks_client_idx;
CREATE INDEX tasks_client_idx ON tasks (agency_id, client_id, done_at, due_on);
