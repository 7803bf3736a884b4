-- Idempotency keys: a create form carries a random key (made when the form is shown); the
-- create stores it, with where its answer sent the user, in the same transaction. The same form
-- sent again (a double click, a retry after a lost answer) creates nothing and goes there too.
-- Keys belong to the user who sent them; the sweeper deletes them after a day.

CREATE TABLE idempotency_keys (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    location TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX idempotency_keys_user_key ON idempotency_keys (user_id, key);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
