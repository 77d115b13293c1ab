-- name: renew-lease
INSERT INTO mailing.workers (name) VALUES ($1)
ON CONFLICT (name) DO UPDATE SET seen_at = now();

-- name: leave
DELETE FROM mailing.workers WHERE name = $1 OR seen_at < now() - interval '1 day';

-- name: take-send-budget
SELECT granted, first_in, wait FROM mailing.take_send_budget($1, $2, $3, $4);

-- name: unclaim
-- Claims the budget could not pay for go back untried.
UPDATE mailing.deliveries d
   SET status = 'queued', claimed_by = NULL, claimed_at = NULL, attempts = d.attempts - 1
  FROM unnest($2::bigint[], $3::bigint[]) AS x(campaign_id, subscriber_id)
 WHERE d.campaign_id = x.campaign_id AND d.subscriber_id = x.subscriber_id
   AND d.status = 'sending' AND d.claimed_by = $1;

-- name: record-outcomes
-- Each delivery's outcome, fenced by its claim: a row another worker took over is left alone.
UPDATE mailing.deliveries d
   SET status = CASE WHEN o.kind IN ('sent', 'skipped', 'failed', 'bounced') THEN o.kind
                     ELSE 'queued' END,
       sent_at = CASE WHEN o.kind = 'sent' THEN now() ELSE d.sent_at END,
       last_error = CASE WHEN o.kind = 'sent' THEN NULL ELSE coalesce(o.reason, d.last_error) END,
       attempts = CASE WHEN o.kind = 'release' THEN d.attempts - 1 ELSE d.attempts END,
       next_attempt_at = CASE WHEN o.kind IN ('retry', 'release')
                              THEN now() + make_interval(secs => o.delay)
                              ELSE d.next_attempt_at END,
       claimed_by = NULL
  FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::float8[])
       AS o(campaign_id, subscriber_id, kind, reason, delay)
 WHERE d.campaign_id = o.campaign_id AND d.subscriber_id = o.subscriber_id
   AND d.status = 'sending' AND d.claimed_by = $6;

-- name: pause-campaign
UPDATE mailing.campaigns SET status = 'paused', paused_reason = $2, updated_at = now()
 WHERE id = $1 AND status = 'sending';
