-- Consent that can be shown (GDPR Art. 7(1)): how each subscription was asked for and given.

CREATE TABLE mailing.imports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id bigint NOT NULL REFERENCES mailing.lists (id) ON DELETE CASCADE,
    account_id bigint NOT NULL,          -- the directory account that imported
    consent text NOT NULL,               -- the coordinator's statement for rows without status
    created_at timestamptz NOT NULL DEFAULT now()
);

-- {"source": "double-opt-in", "requested_via": "form"|"api", "requested_at", "requested_from",
--  "confirmed_at", "confirmed_from", "text_shown"} or {"source": "import", "import", "statement", "at"}
ALTER TABLE mailing.subscriptions ADD COLUMN consent jsonb;
