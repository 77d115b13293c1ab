-- One-time sign-in links for the console: only a hash of each code is kept, and a code
-- works once, within minutes.
CREATE TABLE directory.signin_links (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES directory.accounts (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX signin_links_account ON directory.signin_links (account_id, created_at);
