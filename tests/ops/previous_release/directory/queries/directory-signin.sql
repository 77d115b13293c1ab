-- name: signin-account
-- An account that may sign in, and whether it asked for a link very recently.
SELECT a.id, a.email, a.name,
       EXISTS (SELECT 1 FROM directory.signin_links l
                WHERE l.account_id = a.id AND l.created_at > now() - make_interval(secs => $2))
         AS recent
  FROM directory.accounts a
 WHERE lower(a.email) = lower($1) AND NOT a.disabled;

-- name: insert-signin-link
INSERT INTO directory.signin_links (account_id, code_hash, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3));

-- name: spend-signin-link
-- Used at most once: the row is claimed and marked in one statement.
UPDATE directory.signin_links l SET used_at = now()
  FROM directory.accounts a
 WHERE l.code_hash = $1 AND l.used_at IS NULL AND l.expires_at > now()
   AND a.id = l.account_id AND NOT a.disabled
RETURNING l.account_id;
