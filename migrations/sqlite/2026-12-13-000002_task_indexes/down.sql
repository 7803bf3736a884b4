DROP INDEX tasks_client_idx;
CREATE INDEX tasks_client_idx ON tasks (agency_id, client_id);
DROP INDEX tasks_job_idx;
CREATE INDEX tasks_job_idx ON tasks (agency_id, job_id);
DROP INDEX tasks_contractor_idx;
CREATE INDEX tasks_contractor_idx ON tasks (agency_id, contractor_id);
DROP INDEX tasks_activity_idx;
CREATE INDEX tasks_activity_idx ON tasks (activity_id);
