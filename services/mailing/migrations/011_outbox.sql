-- Mail a request asks for and a sender delivers, never the request itself: confirmations,
-- test sends and mailed preferences links. Retried while the relay is down, given up at `give_up_at`.
CREATE TABLE mailing.outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('confirmation', 'test', 'preferences')),
    list_id bigint REFERENCES mailing.lists (id) ON DELETE CASCADE,
    subscriber_id bigint REFERENCES mailing.subscribers (id) ON DELETE CASCADE,
    campaign_id bigint REFERENCES mailing.campaigns (id) ON DELETE CASCADE,
    address text NOT NULL DEFAULT '',  -- a test send's address, typed by a coordinator
    name text NOT NULL DEFAULT '',  -- the name a subscribe request gave (applies on confirming)
    lang text NOT NULL,
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
CREATE INDEX outbox_due ON mailing.outbox (next_attempt_at) WHERE done_at IS NULL;
