-- name: list-lists
SELECT l.*, (SELECT count(*) FROM mailing.subscriptions s
              WHERE s.list_id = l.id AND s.status = 'confirmed') AS confirmed
  FROM mailing.lists l
 WHERE $1::boolean OR l.network = ANY($2::text[])
 ORDER BY l.network, l.slug;

-- name: get-list
-- A list without its counts: every list-scoped request reads it, the public ones too, so it
-- never counts the list's subscribers (get-list-counted does, for the pages that show it).
SELECT l.* FROM mailing.lists l WHERE l.slug = $1;

-- name: get-list-counted
SELECT l.*, (SELECT count(*) FROM mailing.subscriptions s
              WHERE s.list_id = l.id AND s.status = 'confirmed') AS confirmed
  FROM mailing.lists l WHERE l.slug = $1;

-- name: insert-list
INSERT INTO mailing.lists (slug, network, lang, names, descriptions, from_name, from_address, reply_to,
                           thank_you_url, colour, logo_url)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id;

-- name: update-list
UPDATE mailing.lists
   SET lang = $2, names = $3, descriptions = $4, from_name = $5, from_address = $6,
       reply_to = $7, thank_you_url = $9, colour = $10, logo_url = $11, revision = revision + 1,
       updated_at = now()
 WHERE id = $1 AND ($8::int IS NULL OR revision = $8)
RETURNING revision;

-- name: list-members
-- One page of a list's members by address ($5 of them), after the address $4 (keyset: the
-- unique index on lower(email) walks to it), of status $2 and containing the text $3
-- (lower case) in the address or the name; each NULL means any.
SELECT b.id, s.status, s.lang, s.created_at, s.confirmed_at, s.unsubscribed_at, b.email,
       coalesce(s.name, b.name) AS name, x.reason AS suppressed
  FROM mailing.subscriptions s JOIN mailing.subscribers b ON b.id = s.subscriber_id
  LEFT JOIN mailing.suppressions x ON lower(x.address) = lower(b.email)
 WHERE s.list_id = $1 AND ($2::text IS NULL OR s.status = $2)
   AND ($3::text IS NULL OR strpos(lower(b.email || ' ' || coalesce(s.name, b.name, '')), $3) > 0)
   AND ($4::text IS NULL OR lower(b.email) > $4)
 ORDER BY lower(b.email)
 LIMIT $5;

-- name: status-counts
SELECT status, count(*)::int AS n FROM mailing.subscriptions WHERE list_id = $1 GROUP BY status;
