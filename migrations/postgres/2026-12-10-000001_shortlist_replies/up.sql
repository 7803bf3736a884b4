-- The recruiter's reply to a question a client asked on a shortlist: shown under the question on
-- the client's page and emailed to the shortlist's contacts. One reply per question.
ALTER TABLE shortlist_answers ADD COLUMN reply TEXT;
ALTER TABLE shortlist_answers ADD COLUMN replied_at TIMESTAMP;
ALTER TABLE shortlist_answers ADD COLUMN replied_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
