-- The submissions pipeline: per-agency stages, submissions and their append-only events,
-- consent ("right to represent"), representations (the cross-agency double-submission guard),
-- interviews, offers, placements with their extensions, and private calendar feeds.

ALTER TABLE agencies ADD COLUMN ownership_window_days INTEGER NOT NULL DEFAULT 180;
ALTER TABLE agencies ADD COLUMN availability_window_hours INTEGER NOT NULL DEFAULT 72;
ALTER TABLE agencies ADD COLUMN consent_valid_days INTEGER NOT NULL DEFAULT 14;

CREATE TABLE pipeline_stages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('sourced', 'consent', 'submitted', 'interview', 'offer', 'placed', 'closed')),
    position INTEGER NOT NULL,
    follow_up_days INTEGER NOT NULL,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX pipeline_stages_agency_idx ON pipeline_stages (agency_id, position);

-- Every existing agency gets the default stages.
INSERT INTO pipeline_stages (agency_id, name, category, position, follow_up_days, created_at, updated_at)
SELECT a.id, s.name, s.category, s.position, s.follow_up_days, a.created_at, a.created_at
FROM agencies a,
     (SELECT 'Sourced' AS name, 'sourced' AS category, 1 AS position, 5 AS follow_up_days
      UNION ALL SELECT 'Consent requested', 'consent', 2, 2
      UNION ALL SELECT 'Submitted to client', 'submitted', 3, 5
      UNION ALL SELECT 'Client interview', 'interview', 4, 3
      UNION ALL SELECT 'Offer', 'offer', 5, 2
      UNION ALL SELECT 'Placed', 'placed', 6, 10
      UNION ALL SELECT 'Closed', 'closed', 7, 0) s;

CREATE TABLE submissions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    job_id BIGINT NOT NULL REFERENCES jobs (id),
    contractor_id BIGINT NOT NULL REFERENCES agency_contractors (id),
    stage_id BIGINT NOT NULL REFERENCES pipeline_stages (id),
    owner_id BIGINT REFERENCES users (id),
    stage_entered_at TIMESTAMP NOT NULL,
    next_update_due DATE,
    last_event_at TIMESTAMP NOT NULL,
    override_reason TEXT,
    closed_at TIMESTAMP,
    closed_reason TEXT,
    closed_note TEXT,
    thank_you_prompted_at TIMESTAMP,
    follow_up_offered_at TIMESTAMP,
    version INTEGER NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX submissions_job_contractor_key ON submissions (job_id, contractor_id);
CREATE INDEX submissions_agency_due_idx ON submissions (agency_id, closed_at, next_update_due);
CREATE INDEX submissions_contractor_idx ON submissions (agency_id, contractor_id);
CREATE INDEX submissions_job_idx ON submissions (agency_id, job_id, stage_id);

CREATE TABLE submission_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    kind TEXT NOT NULL,
    from_stage_id BIGINT REFERENCES pipeline_stages (id),
    to_stage_id BIGINT REFERENCES pipeline_stages (id),
    body TEXT NOT NULL,
    visible_to_contractor BOOLEAN NOT NULL,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX submission_events_submission_idx ON submission_events (submission_id, id);
CREATE INDEX submission_events_agency_idx ON submission_events (agency_id, created_at);

CREATE TABLE consents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    contractor_id BIGINT NOT NULL REFERENCES agency_contractors (id),
    person_key TEXT NOT NULL,
    client_domain TEXT,
    client_shown TEXT NOT NULL,
    client_description TEXT,
    job_title TEXT NOT NULL,
    rate_minor BIGINT NOT NULL,
    rate_currency TEXT NOT NULL,
    rate_unit TEXT NOT NULL CHECK (rate_unit IN ('hour', 'day', 'year')),
    exclusivity_days INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'expired', 'withdrawn')),
    conflict_since TIMESTAMP,
    token_hash TEXT NOT NULL,
    requested_by BIGINT REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decision_ip TEXT,
    decision_user_agent TEXT,
    valid_until TIMESTAMP
);
CREATE UNIQUE INDEX consents_token_key ON consents (token_hash);
CREATE INDEX consents_submission_idx ON consents (submission_id, id);
CREATE INDEX consents_person_idx ON consents (person_key, status);

-- One row per active representation of a person at a client (by normalised domain). The partial
-- unique index is the guard: two approvals racing leave at most one active row.
CREATE TABLE representations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_key TEXT NOT NULL,
    client_domain TEXT NOT NULL,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    consent_id BIGINT NOT NULL REFERENCES consents (id),
    started_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    ended_reason TEXT
);
CREATE UNIQUE INDEX representations_active_key ON representations (person_key, client_domain) WHERE ended_at IS NULL;
CREATE INDEX representations_submission_idx ON representations (submission_id);

CREATE TABLE interviews (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    starts_at TIMESTAMP NOT NULL,
    time_zone TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('phone', 'video', 'onsite')),
    location TEXT,
    interviewers TEXT,
    notes TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('scheduled', 'passed', 'failed', 'no_show', 'cancelled')),
    feedback TEXT,
    sequence INTEGER NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX interviews_submission_idx ON interviews (submission_id, starts_at);
CREATE INDEX interviews_agency_idx ON interviews (agency_id, starts_at);

CREATE TABLE offers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    rate_minor BIGINT NOT NULL,
    rate_currency TEXT NOT NULL,
    rate_unit TEXT NOT NULL CHECK (rate_unit IN ('hour', 'day', 'year')),
    start_date DATE NOT NULL,
    end_date DATE,
    below_floor BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('made', 'accepted', 'declined', 'withdrawn')),
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
CREATE INDEX offers_submission_idx ON offers (submission_id, id);

CREATE TABLE placements (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    contractor_id BIGINT NOT NULL REFERENCES agency_contractors (id),
    job_id BIGINT NOT NULL REFERENCES jobs (id),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    pay_rate_minor BIGINT NOT NULL,
    bill_rate_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    rate_unit TEXT NOT NULL CHECK (rate_unit IN ('hour', 'day')),
    status TEXT NOT NULL CHECK (status IN ('active', 'ended', 'cancelled')),
    version INTEGER NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX placements_submission_key ON placements (submission_id);
CREATE INDEX placements_agency_end_idx ON placements (agency_id, status, end_date);
CREATE INDEX placements_contractor_idx ON placements (contractor_id, status);

CREATE TABLE placement_extensions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    placement_id BIGINT NOT NULL REFERENCES placements (id),
    previous_end_date DATE NOT NULL,
    new_end_date DATE NOT NULL,
    pay_rate_minor BIGINT NOT NULL,
    bill_rate_minor BIGINT NOT NULL,
    note TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX placement_extensions_placement_idx ON placement_extensions (placement_id, id);

CREATE TABLE calendar_feeds (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_token_key ON calendar_feeds (token_hash);
CREATE UNIQUE INDEX calendar_feeds_user_key ON calendar_feeds (user_id);

ALTER TABLE activities ADD COLUMN submission_id BIGINT REFERENCES submissions (id);
CREATE INDEX activities_submission_idx ON activities (agency_id, submission_id, occurred_at);

-- When a contractor stopped sharing their profile with the agency (it may no longer ask for
-- their consent).
ALTER TABLE agency_contractors ADD COLUMN unlinked_at TIMESTAMP;
