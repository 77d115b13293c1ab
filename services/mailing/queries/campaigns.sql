-- name: insert-campaign
INSERT INTO mailing.campaigns (list_id, subject, body) VALUES ($1, $2, $3) RETURNING id;

-- name: get-campaign
SELECT c.*, l.slug AS list_slug, l.network, l.lang AS list_lang, l.names AS list_names,
       l.from_name, l.from_address, l.reply_to, l.colour AS list_colour, l.logo_url AS list_logo_url
  FROM mailing.campaigns c JOIN mailing.lists l ON l.id = c.list_id
 WHERE c.id = $1;

-- name: lock-campaign
SELECT * FROM mailing.campaigns WHERE id = $1 FOR UPDATE;

-- name: update-campaign
-- Only a draft, and only the revision the editor read ($4, when given): checked in the
-- writing statement, so a send or another edit committed meanwhile makes it change nothing.
-- A field left out ($2 or $3 NULL) keeps the value stored now, not the one read before.
UPDATE mailing.campaigns
   SET subject = coalesce($2, subject), body = coalesce($3, body),
       revision = revision + 1, updated_at = now()
 WHERE id = $1 AND status = 'draft' AND ($4::int IS NULL OR revision = $4)
RETURNING revision;

-- name: set-campaign-status
UPDATE mailing.campaigns
   SET status = $2, scheduled_at = coalesce($3, scheduled_at), updated_at = now(),
       paused_reason = CASE WHEN $2 = 'paused' THEN paused_reason END,
       started_at = CASE WHEN $2 = 'sending' THEN coalesce(started_at, now()) ELSE started_at END,
       finished_at = CASE WHEN $2 IN ('done', 'cancelled') THEN now() ELSE finished_at END
 WHERE id = $1;

-- name: campaign-progress
SELECT * FROM mailing.campaign_progress($1);

-- name: requeue-failed
-- Failed deliveries go to the queue again with fresh attempts; sent ones are not touched.
WITH again AS (
    UPDATE mailing.deliveries SET status = 'queued', attempts = 0, next_attempt_at = now()
     WHERE campaign_id = $1 AND status = 'failed'
    RETURNING 1)
SELECT count(*) FROM again;

-- name: start-campaigns
-- Campaign $1 now, or (with $1 null) every scheduled campaign whose time has come: status
-- and recipients (confirmed, not suppressed) in one statement, so a crash or a second
-- worker can never leave one started without its recipients.
WITH started AS (
    UPDATE mailing.campaigns SET status = 'sending', started_at = coalesce(started_at, now()),
           paused_reason = NULL, updated_at = now()
     WHERE CASE WHEN $1::bigint IS NULL THEN status = 'scheduled' AND scheduled_at <= now()
                ELSE id = $1 END
    RETURNING id, list_id),
enqueued AS (
    INSERT INTO mailing.deliveries (campaign_id, subscriber_id)
    SELECT started.id, r.subscriber_id
      FROM started JOIN mailing.recipients r ON r.list_id = started.list_id
    ON CONFLICT DO NOTHING)
SELECT id FROM started;

-- name: claim-deliveries
-- Work for worker $1: due rows, and (when $4) rows whose worker's lease ($3 s) ran out.
UPDATE mailing.deliveries d
   SET status = 'sending', claimed_at = now(), claimed_by = $1, attempts = d.attempts + 1
  FROM (SELECT campaign_id, subscriber_id FROM mailing.deliveries x
         WHERE x.campaign_id IN (SELECT id FROM mailing.campaigns WHERE status = 'sending')
           AND ((x.status = 'queued' AND x.next_attempt_at <= now())
                OR ($4 AND x.status = 'sending'
                    AND NOT EXISTS (SELECT 1 FROM mailing.workers w
                                     WHERE w.name = x.claimed_by
                                       AND w.seen_at > now() - make_interval(secs => $3))))
         ORDER BY x.campaign_id, x.subscriber_id
         LIMIT $2
           FOR UPDATE SKIP LOCKED) due
 WHERE d.campaign_id = due.campaign_id AND d.subscriber_id = due.subscriber_id
RETURNING d.campaign_id, d.subscriber_id, d.attempts;

-- name: lock-sending-campaigns
-- The campaigns finish-campaigns may end (sending, nothing queued or being sent as this
-- statement sees it), locked first: one that a resend, pause or cancel holds is left for the
-- next round. finish-campaigns checks again in a later statement, so with a fresh snapshot.
SELECT c.id FROM mailing.campaigns c
 WHERE c.status = 'sending'
   AND NOT EXISTS (SELECT 1 FROM mailing.deliveries d
                    WHERE d.campaign_id = c.id AND d.status IN ('queued', 'sending'))
 ORDER BY c.id
   FOR UPDATE SKIP LOCKED;

-- name: finish-campaigns
-- Of the campaigns $1 (locked by lock-sending-campaigns), those with nothing left to send.
UPDATE mailing.campaigns c SET status = 'done', finished_at = now(), updated_at = now()
 WHERE c.id = ANY($1::bigint[]) AND c.status = 'sending'
   AND NOT EXISTS (SELECT 1 FROM mailing.deliveries d
                    WHERE d.campaign_id = c.id AND d.status IN ('queued', 'sending'))
RETURNING id,
          (SELECT count(*) FROM mailing.deliveries d
            WHERE d.campaign_id = c.id AND d.status = 'sent') AS sent,
          (SELECT count(*) FROM mailing.deliveries d
            WHERE d.campaign_id = c.id AND d.status = 'failed') AS failed;

-- name: queue-depth
-- Deliveries not yet done, per campaign still sending or paused (the worker's gauge), from
-- the kept counts (migration 020): a few rows per campaign, not every waiting delivery.
SELECT c.id,
       (SELECT coalesce(sum(k.n), 0) FROM mailing.delivery_counts k
         WHERE k.campaign_id = c.id AND k.status IN ('queued', 'sending'))::bigint AS waiting
  FROM mailing.campaigns c
 WHERE c.status IN ('sending', 'paused');

-- name: recipients
-- An address suppressed after the campaign was queued reads as not confirmed: never sent.
-- `stamp` changes when the campaign or its list (the sender) does: the worker's cached
-- template of the campaign is built again then.
SELECT d.campaign_id, b.id, b.email, coalesce(s.name, b.name) AS name, s.lang,
       CASE WHEN EXISTS (SELECT 1 FROM mailing.suppressions x
                          WHERE lower(x.address) = lower(b.email))
            THEN 'suppressed' ELSE s.status END AS status,
       c.revision || '.' || l.revision AS stamp
  FROM unnest($1::bigint[], $2::bigint[]) AS d(campaign_id, subscriber_id)
  JOIN mailing.campaigns c ON c.id = d.campaign_id
  JOIN mailing.lists l ON l.id = c.list_id
  JOIN mailing.subscribers b ON b.id = d.subscriber_id
  JOIN mailing.subscriptions s ON s.list_id = c.list_id AND s.subscriber_id = b.id;

-- name: list-campaigns
-- A list's latest campaigns, newest first, in the shape of get-campaign, each with its
-- progress (`progress`, campaign-progress's row as JSON): one statement however many there are.
SELECT c.*, l.slug AS list_slug, l.network, l.lang AS list_lang, l.names AS list_names,
       l.from_name, l.from_address, l.reply_to, l.colour AS list_colour, l.logo_url AS list_logo_url,
       to_jsonb(p) AS progress
  FROM mailing.campaigns c JOIN mailing.lists l ON l.id = c.list_id
 CROSS JOIN LATERAL mailing.campaign_progress(c.id) p
 WHERE c.list_id = $1
 ORDER BY c.id DESC LIMIT 100;

-- name: campaign-timeline
-- Messages sent over time, in $2 equal slices between the first and the last (those to
-- people since erased too, by their time alone).
WITH sends AS (
    SELECT sent_at FROM mailing.deliveries WHERE campaign_id = $1 AND sent_at IS NOT NULL
    UNION ALL
    SELECT sent_at FROM mailing.erased_sends WHERE campaign_id = $1),
span AS (SELECT min(sent_at) AS first, max(sent_at) AS last FROM sends)
SELECT span.first, span.last,
       width_bucket(extract(epoch FROM d.sent_at),
                    extract(epoch FROM span.first),
                    extract(epoch FROM span.last) + 0.001, $2) AS slice,
       count(*)::int AS sent
  FROM sends d, span
 GROUP BY span.first, span.last, slice
 ORDER BY slice;

-- name: release-claims
-- After a failed step: what this worker claimed but never tried goes back to the queue
-- (its sent messages were recorded first), instead of waiting for the lease to run out.
UPDATE mailing.deliveries
   SET status = 'queued', claimed_by = NULL, claimed_at = NULL, attempts = attempts - 1
 WHERE claimed_by = $1 AND status = 'sending';

-- name: campaigns-sending
-- After a restore (`kontakt restore-check`): campaigns the backup caught while sending.
SELECT id, subject FROM mailing.campaigns WHERE status = 'sending' ORDER BY id;

-- name: count-recipients
-- Whom list $1's campaign would go to now, and the confirmed subscribers left out as suppressed.
SELECT (SELECT count(*) FROM mailing.recipients r WHERE r.list_id = $1) AS recipients,
       (SELECT count(*) FROM mailing.subscriptions s
         WHERE s.list_id = $1 AND s.status = 'confirmed') AS confirmed;
