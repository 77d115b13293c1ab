-- Sign-in mail: the request records the wish here and answers at once, the same for every
-- address; a sender in the console asks the directory for a link and mails it.
CREATE TABLE console.outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address text NOT NULL,
    lang text NOT NULL CHECK (lang IN ('en', 'et', 'lv', 'lt')),
    created_at timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    give_up_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    claimed_by text,
    claimed_at timestamptz,
    done_at timestamptz,
    outcome text CHECK (outcome IN ('sent', 'failed', 'skipped')),
    last_error text
);
CREATE INDEX outbox_due ON console.outbox (next_attempt_at) WHERE done_at IS NULL;
