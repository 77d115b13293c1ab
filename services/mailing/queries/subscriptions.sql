-- name: upsert-subscriber
-- The person's row, made once: a request never changes what is kept about someone.
INSERT INTO mailing.subscribers (email, name) VALUES ($1, $2)
ON CONFLICT (lower(email)) DO UPDATE SET email = mailing.subscribers.email
RETURNING id;

-- name: insert-subscription
-- A new, pending subscription shows what was asked; an existing one keeps its data until
-- the person confirms (the confirmation link carries what this request asked for).
INSERT INTO mailing.subscriptions (list_id, subscriber_id, lang, name) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING;

-- name: restart-subscription
-- Someone who unsubscribed, complained, or whose mail bounced (and is not suppressed), asks
-- again: back to pending, to be confirmed once more; the confirmation proves the wish and
-- the mailbox are theirs. The window counts confirmation mails of this request, not of the
-- old subscription. A block (the list's editors' decision) stays.
UPDATE mailing.subscriptions
   SET status = 'pending', confirmation_sent_at = NULL, updated_at = now()
 WHERE list_id = $1 AND subscriber_id = $2
   AND status IN ('unsubscribed', 'bounced', 'complained');

-- name: request-consent
-- How the pending wish was expressed (GDPR Art. 7(1)); the confirmation adds to it.
UPDATE mailing.subscriptions
   SET consent = jsonb_build_object('source', 'double-opt-in', 'requested_via', $3::text,
                                    'requested_at', now(), 'requested_from', $4::text)
 WHERE list_id = $1 AND subscriber_id = $2 AND status = 'pending';

-- name: claim-confirmation
-- The window's one confirmation, if it is still owed, goes to the outbox in this statement:
-- the row lock makes racing requests for one address queue one mail between them, and a
-- suppressed address is owed nothing. The request never waits for the mail itself.
WITH claimed AS (
    UPDATE mailing.subscriptions s SET confirmation_sent_at = now()
      FROM mailing.subscribers b
     WHERE s.list_id = $1 AND s.subscriber_id = $2 AND b.id = s.subscriber_id
       AND s.status = 'pending'
       AND (s.confirmation_sent_at IS NULL
            OR s.confirmation_sent_at < now() - make_interval(secs => $3))
       AND NOT EXISTS (SELECT 1 FROM mailing.suppressions x
                        WHERE lower(x.address) = lower(b.email))
    RETURNING s.list_id, s.subscriber_id)
INSERT INTO mailing.outbox (kind, list_id, subscriber_id, name, lang, give_up_at)
SELECT 'confirmation', list_id, subscriber_id, $4, $5, now() + make_interval(secs => $3)
  FROM claimed;

-- name: confirm
-- The person confirms what their request asked for ($6 name, $7 language; NULL: unchanged).
UPDATE mailing.subscriptions
   SET status = 'confirmed', confirmed_at = now(), updated_at = now(),
       name = coalesce($6::text, name), lang = coalesce($7::text, lang),
       consent = coalesce(consent, '{}'::jsonb)
                 || jsonb_build_object('confirmed_at', now(), 'confirmed_from', $3::text,
                                       'text_shown', $4::text, 'lang', $5::text)
 WHERE list_id = $1 AND subscriber_id = $2 AND status = 'pending'
RETURNING status;

-- name: unsubscribe
UPDATE mailing.subscriptions
   SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
 WHERE list_id = $1 AND subscriber_id = $2 AND status IN ('pending', 'confirmed')
RETURNING status;

-- name: use-token
INSERT INTO mailing.used_tokens (nonce_hash) VALUES ($1) ON CONFLICT DO NOTHING RETURNING used_at;

-- name: token-used
SELECT used_at FROM mailing.used_tokens WHERE nonce_hash = $1;

-- name: subscription-view
SELECT s.status, s.lang, l.slug, l.names, l.lang AS list_lang, b.email,
       coalesce(s.name, b.name) AS name
  FROM mailing.subscriptions s
  JOIN mailing.lists l ON l.id = s.list_id
  JOIN mailing.subscribers b ON b.id = s.subscriber_id
 WHERE s.list_id = $1 AND s.subscriber_id = $2;

-- name: subscriber-lists
SELECT l.slug, l.names, l.lang AS list_lang, s.status, s.lang, s.created_at, s.confirmed_at,
       s.unsubscribed_at, s.consent, coalesce(s.name, b.name) AS name, b.email,
       b.created_at AS since
  FROM mailing.subscribers b
  LEFT JOIN mailing.subscriptions s ON s.subscriber_id = b.id
  LEFT JOIN mailing.lists l ON l.id = s.list_id
 WHERE b.id = $1
 ORDER BY l.slug;

-- name: subscriber-deliveries
SELECT c.subject, d.status, d.sent_at
  FROM mailing.deliveries d JOIN mailing.campaigns c ON c.id = d.campaign_id
 WHERE d.subscriber_id = $1 ORDER BY d.sent_at NULLS LAST;

-- name: unsubscribe-by-slug
UPDATE mailing.subscriptions s
   SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
  FROM mailing.lists l
 WHERE l.id = s.list_id AND l.slug = $2 AND s.subscriber_id = $1
   AND s.status IN ('pending', 'confirmed');

-- name: erase-subscriber
-- The person and every row about them go; their deliveries are first tallied into each
-- campaign's counts (a row not sent yet as skipped) and its sent times into its timeline, so
-- past campaigns keep their figures.
WITH gone AS (
    DELETE FROM mailing.deliveries WHERE subscriber_id = $1
    RETURNING campaign_id, sent_at, CASE WHEN status IN ('queued', 'sending') THEN 'skipped'
                                         ELSE status END AS status),
tallied AS (
    INSERT INTO mailing.erased_deliveries AS t (campaign_id, status, n)
    SELECT campaign_id, status, count(*) FROM gone GROUP BY campaign_id, status
    ON CONFLICT (campaign_id, status) DO UPDATE SET n = t.n + excluded.n),
timed AS (
    INSERT INTO mailing.erased_sends (campaign_id, sent_at)
    SELECT campaign_id, sent_at FROM gone WHERE sent_at IS NOT NULL)
DELETE FROM mailing.subscribers WHERE id = $1;
