DROP INDEX tasks_client_idx;
DROP INDEX tasks_job_idx;
