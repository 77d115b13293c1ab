-- name: outbox-confirmation
-- What a confirmation needs: the list, the address, and whether the wish still waits.
SELECT l.id AS list_id, l.slug, l.names, l.lang AS list_lang, l.from_name, l.from_address,
       l.reply_to, b.email, s.subscriber_id, s.status,
       EXISTS (SELECT 1 FROM mailing.suppressions x WHERE lower(x.address) = lower(b.email))
         AS suppressed
  FROM mailing.subscriptions s
  JOIN mailing.lists l ON l.id = s.list_id
  JOIN mailing.subscribers b ON b.id = s.subscriber_id
 WHERE s.list_id = $1 AND s.subscriber_id = $2;

-- name: queue-test-send
-- $4: the reader's name the preview showed, so the test is the mail the preview was.
INSERT INTO mailing.outbox (kind, campaign_id, address, lang, name, give_up_at)
SELECT 'test', $1, a, $3, $4, now() + interval '1 hour' FROM unnest($2::text[]) a;

-- name: queue-preference-link
-- A link to the whole preferences page, mailed to person $1 (from list $2's sender, if any).
INSERT INTO mailing.outbox (kind, subscriber_id, list_id, lang, give_up_at)
VALUES ('preferences', $1, $2, $3, now() + make_interval(secs => $4));
