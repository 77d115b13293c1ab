-- When an erased person's messages of a campaign were sent, without the person: the
-- campaign's timeline ("Deliveries over time") keeps counting them, as its progress does
-- (016). A time and a campaign name no one.
CREATE TABLE mailing.erased_sends (
    campaign_id bigint NOT NULL REFERENCES mailing.campaigns (id) ON DELETE CASCADE,
    sent_at timestamptz NOT NULL
);
CREATE INDEX erased_sends_campaign ON mailing.erased_sends (campaign_id);
