ALTER TABLE shortlist_answers DROP COLUMN replied_by;
ALTER TABLE shortlist_answers DROP COLUMN replied_at;
ALTER TABLE shortlist_answers DROP COLUMN reply;
