-- Timelines show each activity's follow-up task: found by the activity, not by scanning the agency's tasks.
CREATE INDEX tasks_activity_idx ON tasks (activity_id);
