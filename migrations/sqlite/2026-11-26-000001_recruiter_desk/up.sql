-- The recruiter's desk: skills, the agency's contractor records, clients and contacts, jobs,
-- activities, tasks, hotlists and CSV imports. Every agency-owned row carries agency_id.

CREATE TABLE skills (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX skills_key_key ON skills (key);

CREATE TABLE agency_contractors (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    owner_id BIGINT REFERENCES users (id),
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    phone_key TEXT,
    headline TEXT,
    summary TEXT,
    location TEXT,
    location_key TEXT,
    remote TEXT NOT NULL CHECK (remote IN ('onsite', 'hybrid', 'remote', 'any')),
    availability TEXT NOT NULL CHECK (availability IN ('now', 'from_date', 'on_contract', 'not_looking')),
    available_from DATE,
    contract_ends_on DATE,
    extension_likelihood TEXT CHECK (extension_likelihood IN ('unlikely', 'possible', 'likely')),
    notice_days INTEGER,
    -- The first day the contractor can start (derived on every write): 0001-01-01 when available
    -- now, 9999-12-31 when not looking. Drives the "available by" filter and the sort.
    available_on DATE NOT NULL,
    availability_confirmed_at TIMESTAMP,
    rate_floor_minor BIGINT,
    rate_currency TEXT,
    rate_unit TEXT CHECK (rate_unit IN ('hour', 'day')),
    rate_hourly_minor BIGINT,
    linkedin_url TEXT,
    links TEXT,
    source TEXT,
    tags TEXT,
    notes TEXT,
    archived_at TIMESTAMP,
    version INTEGER NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX agency_contractors_agency_updated_idx ON agency_contractors (agency_id, updated_at, id);
CREATE INDEX agency_contractors_agency_email_idx ON agency_contractors (agency_id, email);
CREATE INDEX agency_contractors_agency_phone_idx ON agency_contractors (agency_id, phone_key);
CREATE INDEX agency_contractors_agency_name_idx ON agency_contractors (agency_id, name);
CREATE INDEX agency_contractors_agency_rate_idx ON agency_contractors (agency_id, rate_hourly_minor);
CREATE INDEX agency_contractors_agency_location_idx ON agency_contractors (agency_id, location_key);
CREATE INDEX agency_contractors_agency_available_idx ON agency_contractors (agency_id, available_on, id);

CREATE TABLE agency_contractor_skills (
    agency_contractor_id BIGINT NOT NULL REFERENCES agency_contractors (id) ON DELETE CASCADE,
    skill_id BIGINT NOT NULL REFERENCES skills (id),
    PRIMARY KEY (agency_contractor_id, skill_id)
);
CREATE INDEX agency_contractor_skills_skill_idx ON agency_contractor_skills (skill_id, agency_contractor_id);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    domain TEXT,
    notes TEXT,
    archived_at TIMESTAMP,
    version INTEGER NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX clients_agency_name_idx ON clients (agency_id, name);
CREATE UNIQUE INDEX clients_agency_domain_key ON clients (agency_id, domain) WHERE domain IS NOT NULL;

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    client_id BIGINT NOT NULL REFERENCES clients (id),
    name TEXT NOT NULL,
    title TEXT,
    email TEXT,
    phone TEXT,
    notes TEXT,
    archived_at TIMESTAMP,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX contacts_client_idx ON contacts (agency_id, client_id, name);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    client_id BIGINT NOT NULL REFERENCES clients (id),
    title TEXT NOT NULL,
    description TEXT,
    contract_type TEXT NOT NULL CHECK (contract_type IN ('contract', 'contract_to_hire', 'permanent')),
    duration_months INTEGER,
    start_date DATE,
    rate_min_minor BIGINT,
    rate_max_minor BIGINT,
    rate_currency TEXT,
    rate_unit TEXT CHECK (rate_unit IN ('hour', 'day', 'year')),
    location TEXT,
    remote TEXT NOT NULL CHECK (remote IN ('onsite', 'hybrid', 'remote')),
    openings INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'on_hold', 'filled', 'closed')),
    owner_id BIGINT REFERENCES users (id),
    version INTEGER NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_agency_status_idx ON jobs (agency_id, status, updated_at);
CREATE INDEX jobs_client_idx ON jobs (agency_id, client_id);

CREATE TABLE job_skills (
    job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    skill_id BIGINT NOT NULL REFERENCES skills (id),
    PRIMARY KEY (job_id, skill_id)
);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    kind TEXT NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'note')),
    body TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    contractor_id BIGINT REFERENCES agency_contractors (id),
    client_id BIGINT REFERENCES clients (id),
    job_id BIGINT REFERENCES jobs (id),
    occurred_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX activities_contractor_idx ON activities (agency_id, contractor_id, occurred_at);
CREATE INDEX activities_client_idx ON activities (agency_id, client_id, occurred_at);
CREATE INDEX activities_job_idx ON activities (agency_id, job_id, occurred_at);
CREATE INDEX activities_agency_idx ON activities (agency_id, occurred_at);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    title TEXT NOT NULL,
    due_on DATE NOT NULL,
    assignee_id BIGINT NOT NULL REFERENCES users (id),
    created_by BIGINT REFERENCES users (id),
    contractor_id BIGINT REFERENCES agency_contractors (id),
    client_id BIGINT REFERENCES clients (id),
    job_id BIGINT REFERENCES jobs (id),
    activity_id BIGINT REFERENCES activities (id),
    done_at TIMESTAMP,
    done_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tasks_assignee_idx ON tasks (agency_id, assignee_id, done_at, due_on);
CREATE INDEX tasks_contractor_idx ON tasks (agency_id, contractor_id);

CREATE TABLE hotlists (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    description TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX hotlists_agency_name_key ON hotlists (agency_id, name);

CREATE TABLE hotlist_members (
    hotlist_id BIGINT NOT NULL REFERENCES hotlists (id) ON DELETE CASCADE,
    agency_contractor_id BIGINT NOT NULL REFERENCES agency_contractors (id) ON DELETE CASCADE,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    note TEXT,
    added_by BIGINT REFERENCES users (id),
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (hotlist_id, agency_contractor_id)
);
CREATE INDEX hotlist_members_contractor_idx ON hotlist_members (agency_contractor_id);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    created_by BIGINT REFERENCES users (id),
    filename TEXT NOT NULL,
    content TEXT NOT NULL,
    delimiter TEXT NOT NULL,
    headers TEXT NOT NULL,
    mapping TEXT,
    status TEXT NOT NULL CHECK (status IN ('uploaded', 'running', 'done', 'failed')),
    skip_invalid BOOLEAN NOT NULL,
    total_rows INTEGER NOT NULL,
    processed_rows INTEGER NOT NULL,
    created_count INTEGER NOT NULL,
    updated_count INTEGER NOT NULL,
    skipped_count INTEGER NOT NULL,
    report TEXT,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX imports_agency_idx ON imports (agency_id, created_at);

-- Full-text search over the agency's contractor records (rowid = agency_contractors.id),
-- kept up to date by the application on every write.
CREATE VIRTUAL TABLE contractor_search USING fts5(
    name, headline, summary, skills, notes,
    tokenize = 'unicode61 remove_diacritics 2'
);
