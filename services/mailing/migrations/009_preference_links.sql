-- Links to a subscriber's own page, mailed to the address on request: short-lived, single
-- person, revocable. Only a hash of each link's key is kept.
CREATE TABLE mailing.preference_links (
    key_hash bytea PRIMARY KEY CHECK (length(key_hash) = 32),
    subscriber_id bigint NOT NULL REFERENCES mailing.subscribers (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX preference_links_subscriber ON mailing.preference_links (subscriber_id);
-- The person ended their links: newsletter links made before this no longer open their page.
-- When the last link mail was asked for (at most one every few minutes).
ALTER TABLE mailing.subscribers
    ADD COLUMN links_ended_at timestamptz,
    ADD COLUMN link_mailed_at timestamptz;
