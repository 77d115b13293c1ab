-- name: member
-- One subscriber of list $1 (subscriber id $2), with whether the address is suppressed.
SELECT b.id, b.email, coalesce(s.name, b.name) AS name, s.status, s.lang, s.created_at,
       s.confirmed_at, s.unsubscribed_at, s.consent, x.reason AS suppressed,
       x.evidence AS suppression_evidence, x.created_at AS suppressed_at
  FROM mailing.subscriptions s
  JOIN mailing.subscribers b ON b.id = s.subscriber_id
  LEFT JOIN mailing.suppressions x ON lower(x.address) = lower(b.email)
 WHERE s.list_id = $1 AND s.subscriber_id = $2;

-- name: lock-member
SELECT s.status, s.confirmed_at, b.email,
       EXISTS (SELECT 1 FROM mailing.suppressions x
                WHERE lower(x.address) = lower(b.email)) AS suppressed
  FROM mailing.subscriptions s JOIN mailing.subscribers b ON b.id = s.subscriber_id
 WHERE s.list_id = $1 AND s.subscriber_id = $2
   FOR UPDATE OF s;

-- name: set-member-status
UPDATE mailing.subscriptions SET status = $3, updated_at = now()
 WHERE list_id = $1 AND subscriber_id = $2;

-- name: remove-member
DELETE FROM mailing.subscriptions WHERE list_id = $1 AND subscriber_id = $2;

-- name: status-before-block
-- What the subscription was when it was last blocked (NULL: blocked by an imported file).
SELECT from_status FROM mailing.member_events
 WHERE list_id = $1 AND subscriber_id = $2 AND action = 'block'
 ORDER BY id DESC LIMIT 1;

-- name: record-member-event
INSERT INTO mailing.member_events
       (list_id, subscriber_id, action, from_status, to_status, reason, account_id, actor)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING action, from_status, to_status, reason, actor, created_at;

-- name: member-history
-- What was done to a subscriber: on list $2, or on every list when $2 is NULL.
SELECT e.action, e.from_status, e.to_status, e.reason, e.actor, e.created_at, l.slug AS list
  FROM mailing.member_events e JOIN mailing.lists l ON l.id = e.list_id
 WHERE e.subscriber_id = $1 AND ($2::bigint IS NULL OR e.list_id = $2)
 ORDER BY e.id;
