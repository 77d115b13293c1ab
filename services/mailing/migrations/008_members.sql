-- Member management on a list: a coordinator may block one person, and every action a
-- coordinator takes on a member (or an admin's reinstatement does to one) is kept.

ALTER TABLE mailing.subscriptions DROP CONSTRAINT subscriptions_status_check;
ALTER TABLE mailing.subscriptions ADD CONSTRAINT subscriptions_status_check
    CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced', 'complained', 'blocked'));

CREATE TABLE mailing.member_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id bigint NOT NULL REFERENCES mailing.lists (id) ON DELETE CASCADE,
    subscriber_id bigint NOT NULL REFERENCES mailing.subscribers (id) ON DELETE CASCADE,
    action text NOT NULL CHECK (action IN ('unsubscribe', 'remove', 'block', 'reinstate')),
    from_status text NOT NULL,
    to_status text,                      -- NULL when the subscription was removed
    reason text NOT NULL CHECK (reason <> ''),
    account_id bigint NOT NULL,          -- the directory account that acted
    actor text NOT NULL,                 -- its address at the time, as people read it
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_events_member ON mailing.member_events (list_id, subscriber_id, id);
