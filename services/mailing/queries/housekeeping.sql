-- Housekeeping: each prune deletes at most $1 rows older than its retention ($2 seconds),
-- in a statement of its own, and answers how many it deleted.

-- name: prune-used-tokens
-- A confirmation link's nonce is needed while the link could still be used (its lifetime
-- is the floor of the retention, see housekeeping.py).
WITH gone AS (
    DELETE FROM mailing.used_tokens WHERE nonce_hash IN (
        SELECT u.nonce_hash FROM mailing.used_tokens u
         WHERE u.used_at < now() - make_interval(secs => $2)
         LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;

-- name: prune-preference-links
WITH gone AS (
    DELETE FROM mailing.preference_links WHERE key_hash IN (
        SELECT p.key_hash FROM mailing.preference_links p
         WHERE p.expires_at < now() - make_interval(secs => $2)
         LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;
