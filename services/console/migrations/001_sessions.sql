-- Console sign-ins, kept on the server: the browser's cookie holds only a random id, whose
-- SHA-256 is the key here. The token the console calls the other services with is made for
-- the session at sign-in, expires with it, and is kept sealed with a key derived from the
-- cookie's id, so neither this table alone nor the cookie alone is a credential.
CREATE TABLE console.sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cookie_hash bytea NOT NULL UNIQUE CHECK (length(cookie_hash) = 32),
    account_id bigint NOT NULL,
    token_id bigint NOT NULL,
    sealed_token bytea NOT NULL,
    lang text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ended_at timestamptz
);
CREATE INDEX sessions_expires ON console.sessions (expires_at);
CREATE INDEX sessions_account ON console.sessions (account_id);
