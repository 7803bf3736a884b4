-- Browsers a user has signed in from: their cookie exempts the owner from the throttles that
-- slow down guesses at the account (SECURITY.md, "lock-out").
CREATE TABLE known_browsers (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX known_browsers_token_hash_key ON known_browsers (token_hash);
CREATE INDEX known_browsers_user_id_idx ON known_browsers (user_id);
CREATE INDEX known_browsers_last_used_at_idx ON known_browsers (last_used_at);

-- A failure from a known browser counts against that browser, not against the account.
ALTER TABLE login_attempts ADD COLUMN known_browser_id BIGINT;
CREATE INDEX login_attempts_known_browser_idx ON login_attempts (known_browser_id, created_at);
