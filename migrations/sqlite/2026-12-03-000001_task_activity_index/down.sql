DROP INDEX tasks_activity_idx;
