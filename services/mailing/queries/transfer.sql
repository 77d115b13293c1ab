-- name: import-chunk
-- Subscribers and subscriptions in one statement per chunk, with each row's status from the
-- file. A pending one is confirmed by a `confirmed` row; an opt-out in the file ends a
-- pending or confirmed subscription; an opt-out already on the list is never undone, so an
-- export imported again changes nothing. $6 is the import's consent record.
WITH rows AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
        AS r(email, name, lang, status)),
people AS (
    -- A person's row is shared by every list: an import makes it, never changes it.
    INSERT INTO mailing.subscribers (email, name)
    SELECT email, name FROM rows
    ON CONFLICT (lower(email)) DO UPDATE SET email = mailing.subscribers.email
    RETURNING id, lower(email) AS key),
added AS (
    INSERT INTO mailing.subscriptions
           (list_id, subscriber_id, status, lang, confirmed_at, unsubscribed_at, consent, name)
    SELECT $1, p.id, r.status, r.lang,
           CASE WHEN r.status = 'confirmed' THEN now() END,
           CASE WHEN r.status IN ('unsubscribed', 'complained') THEN now() END,
           CASE WHEN r.status = 'confirmed' THEN $6::jsonb || jsonb_build_object('at', now()) END,
           r.name
      FROM people p JOIN rows r ON lower(r.email) = p.key
    ON CONFLICT (list_id, subscriber_id) DO UPDATE
       SET status = EXCLUDED.status,
           confirmed_at = coalesce(mailing.subscriptions.confirmed_at, EXCLUDED.confirmed_at),
           unsubscribed_at = coalesce(EXCLUDED.unsubscribed_at, mailing.subscriptions.unsubscribed_at),
           consent = coalesce(EXCLUDED.consent, mailing.subscriptions.consent),
           updated_at = now()
     WHERE (mailing.subscriptions.status = 'pending' AND EXCLUDED.status = 'confirmed')
        OR (mailing.subscriptions.status IN ('pending', 'confirmed')
            AND EXCLUDED.status IN ('unsubscribed', 'bounced', 'complained', 'blocked'))
    RETURNING (xmax = 0) AS inserted, status)
SELECT count(*) FILTER (WHERE inserted) AS created,
       count(*) FILTER (WHERE NOT inserted AND status = 'confirmed') AS confirmed,
       count(*) FILTER (WHERE NOT inserted AND status <> 'confirmed') AS opted_out
  FROM added;

-- name: insert-import
INSERT INTO mailing.imports (list_id, account_id, consent) VALUES ($1, $2, $3) RETURNING id;

-- name: rename-members
-- The names a coordinator's file gives, for this list's view of people already on it.
UPDATE mailing.subscriptions s SET name = r.name, updated_at = now()
  FROM unnest($2::text[], $3::text[]) AS r(email, name)
  JOIN mailing.subscribers b ON lower(b.email) = lower(r.email)
 WHERE s.list_id = $1 AND s.subscriber_id = b.id AND r.name <> ''
   AND s.name IS DISTINCT FROM r.name;

-- name: export-members
SELECT b.email, coalesce(s.name, b.name) AS name, s.lang, s.status, s.created_at, s.confirmed_at
  FROM mailing.subscriptions s JOIN mailing.subscribers b ON b.id = s.subscriber_id
 WHERE s.list_id = $1 ORDER BY b.id;
