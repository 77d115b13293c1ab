-- name: import-chunk
-- Subscribers and confirmed subscriptions in one statement per chunk; an unsubscribed,
-- bounced or complaining person stays so (an import never overrides an opt-out).
WITH rows AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::text[]) AS r(email, name, lang)),
people AS (
    INSERT INTO mailing.subscribers (email, name)
    SELECT email, name FROM rows
    ON CONFLICT (lower(email)) DO UPDATE
       SET name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE mailing.subscribers.name END
    RETURNING id, lower(email) AS key),
added AS (
    INSERT INTO mailing.subscriptions (list_id, subscriber_id, status, lang, confirmed_at)
    SELECT $1, p.id, 'confirmed', r.lang, now()
      FROM people p JOIN rows r ON lower(r.email) = p.key
    ON CONFLICT (list_id, subscriber_id) DO UPDATE
       SET status = 'confirmed', confirmed_at = coalesce(mailing.subscriptions.confirmed_at, now())
     WHERE mailing.subscriptions.status = 'pending'
    RETURNING subscriber_id, (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted) AS created, count(*) FILTER (WHERE NOT inserted) AS confirmed
  FROM added;

-- name: export-members
SELECT b.email, b.name, s.lang, s.status, s.created_at, s.confirmed_at
  FROM mailing.subscriptions s JOIN mailing.subscribers b ON b.id = s.subscriber_id
 WHERE s.list_id = $1 ORDER BY b.id;
