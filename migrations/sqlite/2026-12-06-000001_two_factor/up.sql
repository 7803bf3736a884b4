-- Two-step sign-in (TOTP, RFC 6238) for staff, recovery codes, the sign-in step between password
-- and code, and the agency's "everyone must use it" setting.

-- A confirmed authenticator: the shared secret (base32) is needed in clear to check codes, so it
-- is stored as is and never logged or shown again. last_used_step refuses a code's reuse.
CREATE TABLE user_two_factor (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    last_used_step BIGINT NOT NULL,
    enabled_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX user_two_factor_user_id_key ON user_two_factor (user_id);

-- One-time recovery codes, stored as SHA-256 hashes; used_at marks a spent code.
CREATE TABLE two_factor_recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX two_factor_recovery_codes_user_id_idx ON two_factor_recovery_codes (user_id);

-- What a session is in the middle of: 'code' (password accepted, code still needed), 'enrol'
-- (password accepted, the agency requires two-step sign-in and it must be set up first), or
-- 'setup' (a signed-in user setting it up). setup_secret is the not yet confirmed secret.
-- Deleting the session (sign-out, expiry) deletes it.
CREATE TABLE two_factor_challenges (
    id INTEGER PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('code', 'enrol', 'setup')),
    setup_secret TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX two_factor_challenges_session_id_key ON two_factor_challenges (session_id);
CREATE INDEX two_factor_challenges_user_id_idx ON two_factor_challenges (user_id);

ALTER TABLE agencies ADD COLUMN two_factor_required BOOLEAN NOT NULL DEFAULT FALSE;
