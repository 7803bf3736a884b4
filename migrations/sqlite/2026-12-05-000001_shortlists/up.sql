-- Client shortlists: a private, expiring, revocable link showing a client the contractors a
-- recruiter chose, with only the fields chosen for each, and the client's answers.
CREATE TABLE shortlists (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    job_id BIGINT NOT NULL REFERENCES jobs (id),
    token_hash TEXT NOT NULL UNIQUE,
    message TEXT,
    time_zone TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    first_opened_at TIMESTAMP,
    last_opened_at TIMESTAMP,
    open_count INTEGER NOT NULL,
    follow_up_due DATE NOT NULL
);
CREATE INDEX shortlists_job_idx ON shortlists (agency_id, job_id);
CREATE INDEX shortlists_follow_up_idx ON shortlists (agency_id, follow_up_due);

CREATE TABLE shortlist_recipients (
    id INTEGER PRIMARY KEY,
    shortlist_id BIGINT NOT NULL REFERENCES shortlists (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    name TEXT NOT NULL,
    email TEXT NOT NULL
);
CREATE INDEX shortlist_recipients_shortlist_idx ON shortlist_recipients (shortlist_id);

CREATE TABLE shortlist_entries (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    shortlist_id BIGINT NOT NULL REFERENCES shortlists (id),
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    position INTEGER NOT NULL,
    show_name BOOLEAN NOT NULL,
    show_headline BOOLEAN NOT NULL,
    show_skills BOOLEAN NOT NULL,
    pitch TEXT,
    show_bill_rate BOOLEAN NOT NULL,
    bill_rate_minor BIGINT,
    bill_rate_currency TEXT,
    bill_rate_unit TEXT,
    cv TEXT NOT NULL CHECK (cv IN ('none', 'full', 'redacted')),
    document_id BIGINT REFERENCES documents (id),
    answer TEXT,
    answered_at TIMESTAMP
);
CREATE UNIQUE INDEX shortlist_entries_unique_idx ON shortlist_entries (shortlist_id, submission_id);
CREATE INDEX shortlist_entries_submission_idx ON shortlist_entries (submission_id);

CREATE TABLE shortlist_answers (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    entry_id BIGINT NOT NULL REFERENCES shortlist_entries (id),
    kind TEXT NOT NULL CHECK (kind IN ('interested', 'not_a_fit', 'question')),
    body TEXT,
    proposed_times TEXT,
    time_zone TEXT,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX shortlist_answers_entry_idx ON shortlist_answers (entry_id, id);
