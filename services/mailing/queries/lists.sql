-- name: list-lists
SELECT l.*, (SELECT coalesce(sum(c.n), 0)::bigint FROM mailing.subscription_counts c
              WHERE c.list_id = l.id AND c.status = 'confirmed') AS confirmed
  FROM mailing.lists l
 WHERE $1::boolean OR l.network = ANY($2::text[])
 ORDER BY l.network, l.slug;

-- name: get-list
-- A list without its counts: every list-scoped request reads it, the public ones too, so it
-- never counts the list's subscribers (get-list-counted does, for the pages that show it).
SELECT l.* FROM mailing.lists l WHERE l.slug = $1;

-- name: get-list-counted
SELECT l.*, (SELECT coalesce(sum(c.n), 0)::bigint FROM mailing.subscription_counts c
              WHERE c.list_id = l.id AND c.status = 'confirmed') AS confirmed
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
-- One page of a list's members by address ($5 of them), after the address $4 (lower case;
-- keyset over the list's own index on (list_id, email_key), so a page reads about a page of
-- rows whatever the list's or the installation's size), of status $2 (NULL: any); $3 is
-- search-members' pattern, always NULL here.
SELECT b.id, s.status, s.lang, s.created_at, s.confirmed_at, s.unsubscribed_at, b.email,
       coalesce(s.name, b.name) AS name, x.reason AS suppressed
  FROM mailing.subscriptions s JOIN mailing.subscribers b ON b.id = s.subscriber_id
  LEFT JOIN mailing.suppressions x ON lower(x.address) = s.email_key
 WHERE s.list_id = $1 AND ($2::text IS NULL OR s.status = $2) AND $3::text IS NULL
   AND s.email_key > coalesce($4::text, '')
 ORDER BY s.email_key
 LIMIT $5;

-- name: search-members
-- As list-members, of the members whose address or name (lower case) matches the LIKE
-- pattern $3 ('%text%', its % _ and \ escaped): the trigram index on `search` finds a rare
-- text's rows, the address index pages a common one.
SELECT b.id, s.status, s.lang, s.created_at, s.confirmed_at, s.unsubscribed_at, b.email,
       coalesce(s.name, b.name) AS name, x.reason AS suppressed
  FROM mailing.subscriptions s JOIN mailing.subscribers b ON b.id = s.subscriber_id
  LEFT JOIN mailing.suppressions x ON lower(x.address) = s.email_key
 WHERE s.list_id = $1 AND ($2::text IS NULL OR s.status = $2) AND s.search LIKE $3
   AND s.email_key > coalesce($4::text, '')
 ORDER BY s.email_key
 LIMIT $5;

-- name: plan-each-time
-- For the rest of the transaction, a statement is planned for its parameters each time: which
-- index pages a list's members depends on the list, the status and the text searched.
SET LOCAL plan_cache_mode = force_custom_plan;

-- name: status-counts
-- From the counts kept as subscriptions change (migration 019), not a count of the list.
SELECT status, sum(n)::int AS n FROM mailing.subscription_counts WHERE list_id = $1
 GROUP BY status;
