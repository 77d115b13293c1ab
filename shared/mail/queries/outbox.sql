-- Outboxes, for every service that keeps an `outbox` table in its own schema (mail a request
-- asked for, sent later by shared/mail/outbox.py): `{schema}` is the loading service's
-- schema (Queries.load(..., schema=SCHEMA)). The table has at least these columns:
-- id, address, next_attempt_at, give_up_at, attempts, claimed_by, claimed_at, done_at,
-- outcome, last_error.

-- name: claim-outbox
-- Due mail for sender $1, and mail whose sender died ($3 s without an outcome).
UPDATE {schema}.outbox o
   SET claimed_by = $1, claimed_at = now(), attempts = o.attempts + 1
  FROM (SELECT id FROM {schema}.outbox
         WHERE done_at IS NULL AND next_attempt_at <= now()
           AND (claimed_by IS NULL OR claimed_at < now() - make_interval(secs => $3))
         ORDER BY next_attempt_at LIMIT $2
           FOR UPDATE SKIP LOCKED) due
 WHERE o.id = due.id
RETURNING o.*;

-- name: outbox-done
-- Done mail forgets its address: nothing a stranger typed is kept longer than needed.
UPDATE {schema}.outbox
   SET done_at = now(), outcome = $2, last_error = $3, claimed_by = NULL, address = ''
 WHERE id = $1;

-- name: outbox-later
-- Again after $2 s, unless that is past the time to give up.
UPDATE {schema}.outbox
   SET claimed_by = NULL, last_error = $3,
       next_attempt_at = now() + make_interval(secs => $2),
       done_at = CASE WHEN now() + make_interval(secs => $2) > give_up_at THEN now() END,
       outcome = CASE WHEN now() + make_interval(secs => $2) > give_up_at THEN 'failed' END,
       address = CASE WHEN now() + make_interval(secs => $2) > give_up_at THEN '' ELSE address END
 WHERE id = $1;

-- name: prune-outbox
-- Housekeeping: at most $1 rows done more than $2 seconds ago; how many went.
WITH gone AS (
    DELETE FROM {schema}.outbox WHERE id IN (
        SELECT o.id FROM {schema}.outbox o
         WHERE o.done_at < now() - make_interval(secs => $2)
         LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;
