-- name: insert-session
INSERT INTO console.sessions (cookie_hash, account_id, token_id, sealed_token, lang, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: open-session
-- A session that is neither ended nor expired; seen at most once a minute (cheap reads).
WITH found AS (
    SELECT id, account_id, token_id, sealed_token, lang, expires_at, last_seen_at
      FROM console.sessions
     WHERE cookie_hash = $1 AND ended_at IS NULL AND expires_at > now()
), seen AS (
    UPDATE console.sessions s SET last_seen_at = now()
      FROM found f
     WHERE s.id = f.id AND f.last_seen_at < now() - interval '1 minute'
)
SELECT id, account_id, token_id, sealed_token, lang, expires_at FROM found;

-- name: set-session-lang
UPDATE console.sessions SET lang = $2 WHERE id = $1;

-- name: end-session
UPDATE console.sessions SET ended_at = coalesce(ended_at, now()) WHERE id = $1;

-- name: prune-sessions
-- Housekeeping: at most $1 sessions that ended or expired more than $2 seconds ago.
WITH gone AS (
    DELETE FROM console.sessions WHERE id IN (
        SELECT s.id FROM console.sessions s
         WHERE coalesce(s.ended_at, s.expires_at) < now() - make_interval(secs => $2)
         LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;
