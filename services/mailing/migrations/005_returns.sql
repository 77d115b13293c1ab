-- Every report that came back about a subscriber, with its evidence and what was done.

CREATE TABLE mailing.return_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber_id bigint NOT NULL REFERENCES mailing.subscribers (id) ON DELETE CASCADE,
    list_id bigint REFERENCES mailing.lists (id) ON DELETE SET NULL,
    campaign_id bigint REFERENCES mailing.campaigns (id) ON DELETE SET NULL,
    kind text NOT NULL
        CHECK (kind IN ('hard', 'soft', 'policy', 'delayed', 'complaint', 'feedback', 'unsubscribe')),
    status text NOT NULL DEFAULT '',         -- RFC 3463 code
    diagnostic text NOT NULL DEFAULT '',
    reporting_mta text NOT NULL DEFAULT '',
    remote_mta text NOT NULL DEFAULT '',
    feedback_type text NOT NULL DEFAULT '',  -- RFC 5965
    format text NOT NULL DEFAULT '',         -- rfc3464, rfc6533, detected, arf, mailto
    matched_by text NOT NULL CHECK (matched_by IN ('verp', 'message-id', 'list-id')),
    intake text NOT NULL CHECK (intake IN ('lmtp', 'imap', 'http')),
    outcome text NOT NULL,                   -- what Kontakt did about it
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX return_events_subscriber ON mailing.return_events (subscriber_id, received_at);
-- The per-subscription counter gave way to dated events (return_events), counted in a window.
ALTER TABLE mailing.subscriptions DROP COLUMN soft_bounces;
