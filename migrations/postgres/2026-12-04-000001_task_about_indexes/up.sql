-- A job's and a client's open tasks (their pages), found by the job or client, not by scanning the agency's tasks.
CREATE INDEX tasks_job_idx ON tasks (agency_id, job_id);
CREATE INDEX tasks_client_idx ON tasks (agency_id, client_id);
