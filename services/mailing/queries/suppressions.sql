-- name: suppress
-- Add addresses $1 with one reason and evidence (an address already there keeps its first
-- reason and evidence); each one added is logged. The added addresses come back.
WITH added AS (
    INSERT INTO mailing.suppressions (address, reason, evidence, created_by)
    SELECT a, $2, $3, $4 FROM unnest($1::text[]) AS a
    ON CONFLICT (lower(address)) DO NOTHING
    RETURNING address),
logged AS (
    INSERT INTO mailing.suppression_log (address, action, reason, evidence, created_by)
    SELECT address, 'suppressed', $2, $3, $4 FROM added)
SELECT address FROM added;

-- name: suppression
SELECT address, reason, evidence, created_by, created_at
  FROM mailing.suppressions WHERE lower(address) = lower($1);

-- name: suppressed-among
SELECT lower(address) AS key, reason FROM mailing.suppressions
 WHERE lower(address) = ANY(SELECT lower(a) FROM unnest($1::text[]) AS a);

-- name: reinstate
-- Take $1 off the list, logged with the note $2 by $3 (account $4). Subscriptions stopped as
-- `bounced` resume as they were before (confirmed if they ever were, else pending), each
-- logged as the list's own reinstatement; opt-outs and blocks stay.
WITH gone AS (
    DELETE FROM mailing.suppressions WHERE lower(address) = lower($1)
    RETURNING address, reason),
logged AS (
    INSERT INTO mailing.suppression_log (address, action, reason, note, created_by)
    SELECT address, 'reinstated', reason, $2, $3 FROM gone),
resumed AS (
    UPDATE mailing.subscriptions s
       SET status = CASE WHEN s.confirmed_at IS NULL THEN 'pending' ELSE 'confirmed' END,
           updated_at = now()
      FROM mailing.subscribers b
     WHERE b.id = s.subscriber_id AND lower(b.email) = lower($1) AND s.status = 'bounced'
       AND EXISTS (SELECT 1 FROM gone)
    RETURNING s.list_id, s.subscriber_id, s.status),
noted AS (
    INSERT INTO mailing.member_events
           (list_id, subscriber_id, action, from_status, to_status, reason, account_id, actor)
    SELECT list_id, subscriber_id, 'reinstate', 'bounced', status, $2, $4, $3 FROM resumed)
SELECT address, reason, (SELECT count(*) FROM resumed)::int AS resumed FROM gone;

-- name: search-suppressions
-- Newest first; `$1` a case-insensitive part of the address (or NULL), `$2` a reason (or
-- NULL), `$3` the page size, and ($4, $5) the last row of the previous page (or NULL).
SELECT address, reason, evidence, created_by, created_at
  FROM mailing.suppressions
 WHERE ($1::text IS NULL OR strpos(lower(address), lower($1)) > 0)
   AND ($2::text IS NULL OR reason = $2)
   AND ($4::timestamptz IS NULL OR (created_at, lower(address)) < ($4, lower($5::text)))
 ORDER BY created_at DESC, lower(address) DESC
 LIMIT $3;

-- name: suppression-history
SELECT action, reason, note, evidence, created_by, created_at
  FROM mailing.suppression_log WHERE lower(address) = lower($1) ORDER BY id;
