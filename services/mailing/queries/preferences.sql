-- name: entry-link
-- What a newsletter's link ($1 person, $2 list or NULL, $3 made at, Unix time) may show: that
-- one list, nothing else of the person; no row once the person ended their links or is gone.
SELECT b.id, l.slug, l.names, l.lang AS list_lang, s.status, s.lang
  FROM mailing.subscribers b
  LEFT JOIN mailing.subscriptions s ON s.subscriber_id = b.id AND s.list_id = $2
  LEFT JOIN mailing.lists l ON l.id = s.list_id
 WHERE b.id = $1 AND (b.links_ended_at IS NULL OR b.links_ended_at < to_timestamp($3));

-- name: claim-preference-link
-- The one link mail person $1 may have within $2 s: the row lock makes racing requests
-- claim one mail between them. No row: one went out (or is going) within the window.
UPDATE mailing.subscribers SET link_mailed_at = now()
 WHERE id = $1
   AND (link_mailed_at IS NULL OR link_mailed_at < now() - make_interval(secs => $2))
RETURNING id;

-- name: insert-preference-link
INSERT INTO mailing.preference_links (key_hash, subscriber_id, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3));

-- name: preference-link
-- The person a mailed link opens, unless it expired or the person ended their links since.
SELECT p.subscriber_id
  FROM mailing.preference_links p JOIN mailing.subscribers b ON b.id = p.subscriber_id
 WHERE p.key_hash = $1 AND p.expires_at > now()
   AND (b.links_ended_at IS NULL OR b.links_ended_at < p.created_at);

-- name: end-preference-links
-- The person ends every link to their page: mailed ones and those in newsletters so far.
WITH gone AS (DELETE FROM mailing.preference_links
               WHERE subscriber_id = $1 AND expires_at < now() - interval '1 day')
UPDATE mailing.subscribers SET links_ended_at = now() WHERE id = $1;

-- name: preference-link-mail
-- What the mailed link's message needs: the address, and the sender of list $2 (or, for a
-- link from older mail naming no list, of the person's latest list). Nothing for an address
-- that no list may mail (suppressed).
SELECT b.email, l.from_name, l.from_address, l.reply_to
  FROM mailing.subscribers b
  JOIN mailing.subscriptions s ON s.subscriber_id = b.id
  JOIN mailing.lists l ON l.id = s.list_id
 WHERE b.id = $1
   AND NOT EXISTS (SELECT 1 FROM mailing.suppressions x WHERE lower(x.address) = lower(b.email))
 ORDER BY (s.list_id = $2) IS TRUE DESC, s.updated_at DESC
 LIMIT 1;
