-- name: token-principal
SELECT t.id AS token_id, t.kind, t.expires_at, t.created_at AS issued_at, t.last_used_at,
       a.id AS account_id, a.email, a.name, a.is_admin
  FROM directory.tokens t JOIN directory.accounts a ON a.id = t.account_id
 WHERE t.hash = $1 AND t.revoked_at IS NULL AND NOT a.disabled
   AND (t.expires_at IS NULL OR t.expires_at > now());

-- name: touch-token
UPDATE directory.tokens SET last_used_at = now()
 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');

-- name: account-permissions
-- A permission on a network holds for every network below it.
WITH RECURSIVE granted AS (
    SELECT network_id, edit_contacts, manage_lists, send_campaigns
      FROM directory.permissions WHERE account_id = $1
    UNION
    SELECT n.id, g.edit_contacts, g.manage_lists, g.send_campaigns
      FROM directory.networks n JOIN granted g ON n.parent_id = g.network_id)
SELECT g.network_id, n.slug, bool_or(g.edit_contacts) AS edit_contacts,
       bool_or(g.manage_lists) AS manage_lists, bool_or(g.send_campaigns) AS send_campaigns
  FROM granted g JOIN directory.networks n ON n.id = g.network_id
 GROUP BY g.network_id, n.slug;

-- name: list-accounts
SELECT a.id, a.email, a.name, a.is_admin, a.disabled, a.created_at, a.updated_at,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'network', n.slug, 'edit_contacts', p.edit_contacts,
                   'manage_lists', p.manage_lists, 'send_campaigns', p.send_campaigns)
                   ORDER BY n.slug), '[]')
          FROM directory.permissions p JOIN directory.networks n ON n.id = p.network_id
         WHERE p.account_id = a.id) AS permissions
  FROM directory.accounts a
 WHERE $1::bigint IS NULL OR a.id = $1
 ORDER BY a.id;

-- name: page-accounts
-- Accounts after id $1, $2 at most, in the shape of list-accounts (keyset paging).
SELECT a.id, a.email, a.name, a.is_admin, a.disabled, a.created_at, a.updated_at,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'network', n.slug, 'edit_contacts', p.edit_contacts,
                   'manage_lists', p.manage_lists, 'send_campaigns', p.send_campaigns)
                   ORDER BY n.slug), '[]')
          FROM directory.permissions p JOIN directory.networks n ON n.id = p.network_id
         WHERE p.account_id = a.id) AS permissions
  FROM directory.accounts a
 WHERE a.id > $1
 ORDER BY a.id
 LIMIT $2;

-- name: insert-account
INSERT INTO directory.accounts (email, name, is_admin) VALUES ($1, $2, $3) RETURNING id;

-- name: update-account
-- Each field NULL is left as it is (read here, under the row lock, not before).
UPDATE directory.accounts
   SET name = coalesce($2, name), is_admin = coalesce($3, is_admin),
       disabled = coalesce($4, disabled), updated_at = now()
 WHERE id = $1 RETURNING id;

-- name: account-by-email
SELECT id FROM directory.accounts WHERE lower(email) = lower($1);

-- name: clear-permissions
DELETE FROM directory.permissions WHERE account_id = $1;

-- name: insert-permissions
INSERT INTO directory.permissions (account_id, network_id, edit_contacts, manage_lists, send_campaigns)
SELECT $1, p.network_id, p.edit_contacts, p.manage_lists, p.send_campaigns
  FROM unnest($2::bigint[], $3::boolean[], $4::boolean[], $5::boolean[])
       AS p(network_id, edit_contacts, manage_lists, send_campaigns);

-- name: insert-token
INSERT INTO directory.tokens (account_id, kind, name, prefix, hash, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, created_at;

-- name: page-account-tokens
-- Account $1's tokens after id $2, $4 at most (keyset paging); with $3 only the live ones
-- (not revoked, not expired), in the shape of page-tokens.
SELECT t.id, t.account_id, a.email AS account_email, t.kind, t.name, t.prefix, t.created_at,
       t.expires_at, t.revoked_at, t.last_used_at, t.session
  FROM directory.tokens t JOIN directory.accounts a ON a.id = t.account_id
 WHERE t.account_id = $1 AND t.id > $2
   AND (NOT $3::boolean OR (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())))
 ORDER BY t.id
 LIMIT $4;

-- name: first-tokens
-- The first $3 tokens of each of the accounts $1 (with $2 only the live ones), then of those
-- the ones after id $4, $5 at most: a page of accounts lists a bounded number of tokens each.
SELECT t.id, t.account_id, a.email AS account_email, t.kind, t.name, t.prefix, t.created_at,
       t.expires_at, t.revoked_at, t.last_used_at, t.session
  FROM directory.accounts a
 CROSS JOIN LATERAL (
       SELECT * FROM directory.tokens t
        WHERE t.account_id = a.id
          AND (NOT $2::boolean OR (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())))
        ORDER BY t.id
        LIMIT $3) t
 WHERE a.id = ANY($1::bigint[]) AND t.id > $4
 ORDER BY t.id
 LIMIT $5;

-- name: page-tokens
-- The tokens of the accounts $1 (every account's when NULL) after id $3, $4 at most, with $2
-- only the live ones (keyset paging over the primary key; `kontakt tokens list` too).
SELECT t.id, t.account_id, a.email AS account_email, t.kind, t.name, t.prefix, t.created_at,
       t.expires_at, t.revoked_at, t.last_used_at, t.session
  FROM directory.tokens t JOIN directory.accounts a ON a.id = t.account_id
 WHERE ($1::bigint[] IS NULL OR t.account_id = ANY($1))
   AND (NOT $2::boolean OR (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())))
   AND t.id > $3
 ORDER BY t.id
 LIMIT $4;

-- name: token-row
-- One token as page-tokens lists it.
SELECT t.id, t.account_id, a.email AS account_email, t.kind, t.name, t.prefix, t.created_at,
       t.expires_at, t.revoked_at, t.last_used_at, t.session
  FROM directory.tokens t JOIN directory.accounts a ON a.id = t.account_id
 WHERE t.id = $1;

-- name: expiring-tokens
-- Account $1's working tokens (not revoked, not a console session's) that end within $2
-- days, soonest first: what /v1/me warns of (token_records.expires_soon says the same).
SELECT t.id, t.account_id, a.email AS account_email, t.kind, t.name, t.prefix, t.created_at,
       t.expires_at, t.revoked_at, t.last_used_at, t.session
  FROM directory.tokens t JOIN directory.accounts a ON a.id = t.account_id
 WHERE t.account_id = $1 AND t.revoked_at IS NULL AND NOT t.session
   AND t.expires_at > now() AND t.expires_at <= now() + make_interval(days => $2)
 ORDER BY t.expires_at, t.id;

-- name: set-token-origin
-- Whether the token is a console session's, and the token that made it.
UPDATE directory.tokens SET session = $2, parent_id = $3 WHERE id = $1;

-- name: get-token
SELECT id, account_id, revoked_at FROM directory.tokens WHERE id = $1;

-- name: revoke-token
-- With the sessions it started and whatever a session made: none of them outlives it.
WITH RECURSIVE doomed AS (
    SELECT id, session FROM directory.tokens WHERE id = $1
    UNION
    SELECT t.id, t.session
      FROM directory.tokens t JOIN doomed d ON t.parent_id = d.id
     WHERE t.session OR d.session)
UPDATE directory.tokens SET revoked_at = coalesce(revoked_at, now())
 WHERE id IN (SELECT id FROM doomed)
RETURNING id;
