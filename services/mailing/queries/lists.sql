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
-- search-members' typed text, always NULL here.
SELECT b.id, s.status, s.lang, s.created_at, s.confirmed_at, s.unsubscribed_at, b.email,
       coalesce(s.name, b.name) AS name, x.reason AS suppressed
  FROM mailing.subscriptions s JOIN mailing.subscribers b ON b.id = s.subscriber_id
  LEFT JOIN mailing.suppressions x ON lower(x.address) = s.email_key
 WHERE s.list_id = $1 AND ($2::text IS NULL OR s.status = $2) AND $3::text IS NULL
   AND s.email_key > coalesce($4::text, '')
 ORDER BY s.email_key
 LIMIT $5;

-- name: search-members
-- As list-members, of the members of whom every word typed in $3 begins a word of the address
-- or the name, any case and accent (mailing.member_query, migration 021; nobody when $3 holds
-- only punctuation). Two ways to a page, chosen by what the list holds rather than by the
-- planner's guess (prefix matches are estimated from too few statistics to tell a common
-- text from a rare one): the list is walked in address order, at most 2,000 subscriptions,
-- stopping at the page's last match, and a text that fills the page there is answered from
-- them; a rarer one is looked up in the GIN index on `words`, whose '#<list>' lexeme keeps
-- the lookup to this list. Either way a page reads a bounded number of rows, whatever the
-- list's size.
-- The typed text as a query, built once (each sub-select below reads it when the statement
-- runs: built where it is written, it was built again for each place while planning).
WITH typed AS (SELECT mailing.member_query($1, $3::text) AS query),
walked AS MATERIALIZED (
    -- The walk's matches up to a page, and its 2,000th subscription whatever it holds: seen,
    -- it says the list goes on past the walk (unseen with fewer matches than a page, the walk
    -- reached the list's end and holds every match).
    SELECT w.subscriber_id, w.email_key, w.status, w.lang, w.name, w.created_at,
           w.confirmed_at, w.unsubscribed_at, w.words @@ (SELECT query FROM typed) AS hit,
           w.n = 2000 AS last
      FROM (SELECT s.*, row_number() OVER (ORDER BY s.email_key) AS n
              FROM mailing.subscriptions s
             WHERE s.list_id = $1 AND ($2::text IS NULL OR s.status = $2)
               AND s.email_key > coalesce($4::text, '')
               AND (SELECT query FROM typed) IS NOT NULL
             ORDER BY s.email_key
             LIMIT 2000) w
     WHERE w.words @@ (SELECT query FROM typed) OR w.n = 2000
     LIMIT $5),
-- The walk answers when there is nothing to look for, when it found the page, or when it
-- reached the end of the list.
walk_answers AS (
    SELECT (SELECT query FROM typed) IS NULL
           OR count(*) FILTER (WHERE hit) >= $5 OR NOT coalesce(bool_or(last), false) AS yes
      FROM walked),
found AS (
    SELECT subscriber_id, email_key, status, lang, name, created_at, confirmed_at,
           unsubscribed_at
      FROM walked WHERE hit AND (SELECT yes FROM walk_answers)
    UNION ALL
    -- No list_id condition here, so no index but the GIN one can serve it ('#<list>' scopes),
    -- whatever the planner would guess of the text: this branch only runs for a text the
    -- walk found rare in this list.
    SELECT s.subscriber_id, s.email_key, s.status, s.lang, s.name, s.created_at, s.confirmed_at,
           s.unsubscribed_at
      FROM mailing.subscriptions s
     WHERE NOT (SELECT yes FROM walk_answers)
       AND s.words @@ (SELECT query FROM typed)
       AND ($2::text IS NULL OR s.status = $2) AND s.email_key > coalesce($4::text, ''))
SELECT b.id, f.status, f.lang, f.created_at, f.confirmed_at, f.unsubscribed_at, b.email,
       coalesce(f.name, b.name) AS name, x.reason AS suppressed
  FROM (SELECT * FROM found ORDER BY email_key LIMIT $5) f
  JOIN mailing.subscribers b ON b.id = f.subscriber_id
  LEFT JOIN mailing.suppressions x ON lower(x.address) = f.email_key
 ORDER BY f.email_key;

-- name: plan-each-time
-- For the rest of the transaction, a statement is planned for its parameters each time: which
-- index pages a list's members depends on the list, the status and the text searched.
SET LOCAL plan_cache_mode = force_custom_plan;

-- name: status-counts
-- From the counts kept as subscriptions change (migration 019), not a count of the list.
SELECT status, sum(n)::int AS n FROM mailing.subscription_counts WHERE list_id = $1
 GROUP BY status;
