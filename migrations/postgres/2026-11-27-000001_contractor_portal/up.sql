-- The contractor portal: a contractor's own profile (kept by them, shared with every agency they
-- link to), invitations from agencies, links from agency records to the profile, outside
-- submissions they report themselves, and single-use tokens for emailed one-click pages.

CREATE TABLE contractor_profiles (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    phone TEXT,
    headline TEXT,
    summary TEXT,
    location TEXT,
    remote TEXT NOT NULL CHECK (remote IN ('onsite', 'hybrid', 'remote', 'any')),
    availability TEXT NOT NULL CHECK (availability IN ('now', 'from_date', 'on_contract', 'not_looking')),
    available_from DATE,
    contract_ends_on DATE,
    extension_likelihood TEXT CHECK (extension_likelihood IN ('unlikely', 'possible', 'likely')),
    notice_days INTEGER,
    available_on DATE NOT NULL,
    availability_confirmed_at TIMESTAMP,
    rate_floor_minor BIGINT,
    rate_currency TEXT,
    rate_unit TEXT CHECK (rate_unit IN ('hour', 'day')),
    rate_visible BOOLEAN NOT NULL,
    linkedin_url TEXT,
    links TEXT,
    competing_offer_until DATE,
    reminders_enabled BOOLEAN NOT NULL,
    reminder_days INTEGER NOT NULL,
    reminder_sent_at TIMESTAMP,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX contractor_profiles_user_key ON contractor_profiles (user_id);
CREATE INDEX contractor_profiles_reminder_idx ON contractor_profiles (reminders_enabled, availability_confirmed_at);

CREATE TABLE profile_skills (
    profile_id BIGINT NOT NULL REFERENCES contractor_profiles (id) ON DELETE CASCADE,
    skill_id BIGINT NOT NULL REFERENCES skills (id),
    PRIMARY KEY (profile_id, skill_id)
);

-- An agency record linked to a profile shows the profile's values; `agency_typed` keeps what the
-- agency itself typed (JSON), restored if the contractor deletes their account.
ALTER TABLE agency_contractors ADD COLUMN profile_id BIGINT REFERENCES contractor_profiles (id);
ALTER TABLE agency_contractors ADD COLUMN linked_at TIMESTAMP;
ALTER TABLE agency_contractors ADD COLUMN agency_typed TEXT;
ALTER TABLE agency_contractors ADD COLUMN rate_private BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE agency_contractors ADD COLUMN competing_offer_until DATE;
CREATE UNIQUE INDEX agency_contractors_agency_profile_key ON agency_contractors (agency_id, profile_id) WHERE profile_id IS NOT NULL;
CREATE INDEX agency_contractors_profile_idx ON agency_contractors (profile_id);

CREATE TABLE contractor_invitations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    agency_contractor_id BIGINT NOT NULL REFERENCES agency_contractors (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    invited_by BIGINT REFERENCES users (id),
    accepted_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP
);
CREATE UNIQUE INDEX contractor_invitations_token_key ON contractor_invitations (token_hash);
CREATE INDEX contractor_invitations_record_idx ON contractor_invitations (agency_id, agency_contractor_id);

CREATE TABLE outside_submissions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    profile_id BIGINT NOT NULL REFERENCES contractor_profiles (id) ON DELETE CASCADE,
    client_name TEXT NOT NULL,
    client_domain TEXT NOT NULL,
    role_title TEXT,
    submitted_on DATE NOT NULL,
    notes TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outside_submissions_profile_idx ON outside_submissions (profile_id, submitted_on);
CREATE INDEX outside_submissions_domain_idx ON outside_submissions (client_domain);

CREATE TABLE one_click_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE UNIQUE INDEX one_click_tokens_token_key ON one_click_tokens (token_hash);
