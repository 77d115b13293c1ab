-- Campaigns and the per-recipient delivery ledger the sending workers share.

CREATE TABLE mailing.campaigns (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id bigint NOT NULL REFERENCES mailing.lists (id) ON DELETE RESTRICT,
    subject text NOT NULL CHECK (btrim(subject) <> '' AND subject !~ '[\r\n]'),
    body text NOT NULL,  -- Markdown
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'done', 'cancelled')),
    scheduled_at timestamptz,
    started_at timestamptz,
    finished_at timestamptz,
    revision integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- queued -> sending -> sent | failed (5xx) | bounced; a 'sending' row whose lease ran out
-- (its worker died) is claimed again, so nothing is lost.
CREATE TABLE mailing.deliveries (
    campaign_id bigint NOT NULL REFERENCES mailing.campaigns (id) ON DELETE CASCADE,
    subscriber_id bigint NOT NULL REFERENCES mailing.subscribers (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_at timestamptz,
    claimed_by text,
    sent_at timestamptz,
    last_error text,
    PRIMARY KEY (campaign_id, subscriber_id)
);
CREATE INDEX deliveries_due ON mailing.deliveries (status, next_attempt_at);
