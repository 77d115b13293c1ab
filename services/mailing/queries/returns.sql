-- name: ledger-entry
-- The message Kontakt sent: campaign $1 to subscriber $2, with the address it went to.
SELECT d.campaign_id, d.subscriber_id, d.status AS delivery, c.list_id, b.email
  FROM mailing.deliveries d
  JOIN mailing.campaigns c ON c.id = d.campaign_id
  JOIN mailing.subscribers b ON b.id = d.subscriber_id
 WHERE d.campaign_id = $1 AND d.subscriber_id = $2 AND d.status IN ('sent', 'bounced');

-- name: member-by-list-and-address
SELECT s.list_id, b.id AS subscriber_id, b.email
  FROM mailing.lists l
  JOIN mailing.subscriptions s ON s.list_id = l.id
  JOIN mailing.subscribers b ON b.id = s.subscriber_id
 WHERE l.slug = $1 AND lower(b.email) = lower($2);

-- name: record-return
INSERT INTO mailing.return_events
       (subscriber_id, list_id, campaign_id, kind, status, diagnostic, reporting_mta, remote_mta,
        feedback_type, format, matched_by, intake, outcome)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING id, received_at;

-- name: delivery-bounced
UPDATE mailing.deliveries SET status = 'bounced'
 WHERE campaign_id = $1 AND subscriber_id = $2 AND status = 'sent';

-- name: stop-subscriptions
-- Mail to this person cannot arrive: every active subscription pauses as bounced.
UPDATE mailing.subscriptions SET status = 'bounced', updated_at = now()
 WHERE subscriber_id = $1 AND status IN ('pending', 'confirmed');

-- name: soft-bounces-within
-- Messages to subscriber $1 that soft-bounced within $2 days, other than campaign $3's: relays
-- repeat a report, and one message's reports count once.
SELECT count(DISTINCT campaign_id)::int FROM mailing.return_events
 WHERE subscriber_id = $1 AND kind = 'soft' AND received_at > now() - make_interval(days => $2)
   AND campaign_id IS DISTINCT FROM $3;

-- name: complained
UPDATE mailing.subscriptions
   SET status = 'complained', unsubscribed_at = now(), updated_at = now()
 WHERE list_id = $1 AND subscriber_id = $2 AND status IN ('pending', 'confirmed', 'bounced');

-- name: subscriber-returns
-- Reports about a subscriber: those of list $2, or of every list when $2 is NULL.
SELECT e.kind, e.status, e.diagnostic, e.reporting_mta, e.remote_mta, e.feedback_type, e.format,
       e.matched_by, e.intake, e.outcome, e.received_at, e.campaign_id, l.slug AS list
  FROM mailing.return_events e LEFT JOIN mailing.lists l ON l.id = e.list_id
 WHERE e.subscriber_id = $1 AND ($2::bigint IS NULL OR e.list_id = $2)
 ORDER BY e.id DESC LIMIT 100;
