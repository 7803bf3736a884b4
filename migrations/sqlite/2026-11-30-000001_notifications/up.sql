-- Notifications: per-address email opt-outs (by kind), the unsubscribe links emails carry,
-- in-app notices (the bell), the record of daily digests sent, and an optional attachment on
-- outbox messages (the .ics of an interview).

CREATE TABLE notification_optouts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX notification_optouts_key ON notification_optouts (email, kind);

CREATE TABLE unsubscribe_links (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL,
    email TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX unsubscribe_links_token_key ON unsubscribe_links (token_hash);

CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    agency_id BIGINT REFERENCES agencies (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notices_user_idx ON notices (user_id, read_at);

CREATE TABLE digests_sent (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    local_date DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX digests_sent_key ON digests_sent (user_id, local_date);

ALTER TABLE outbox ADD COLUMN attachment_name TEXT;
ALTER TABLE outbox ADD COLUMN attachment_type TEXT;
ALTER TABLE outbox ADD COLUMN attachment_body TEXT;
