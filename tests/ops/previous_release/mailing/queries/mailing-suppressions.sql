-- name: suppress
-- Add an address (a second report keeps the first reason and evidence); logged either way.
WITH added AS (
    INSERT INTO mailing.suppressions (address, reason, evidence, created_by)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (lower(address)) DO NOTHING
    RETURNING address),
logged AS (
    INSERT INTO mailing.suppression_log (address, action, reason, evidence, created_by)
    SELECT $1, 'suppressed', $2, $3, $4 WHERE EXISTS (SELECT 1 FROM added))
SELECT EXISTS (SELECT 1 FROM added) AS added;

-- name: suppression
SELECT address, reason, evidence, created_by, created_at
  FROM mailing.suppressions WHERE lower(address) = lower($1);

-- name: suppressed-among
SELECT lower(address) AS key, reason FROM mailing.suppressions
 WHERE lower(address) = ANY(SELECT lower(a) FROM unnest($1::text[]) AS a);

-- name: reinstate
WITH gone AS (
    DELETE FROM mailing.suppressions WHERE lower(address) = lower($1)
    RETURNING address, reason),
logged AS (
    INSERT INTO mailing.suppression_log (address, action, reason, note, created_by)
    SELECT address, 'reinstated', reason, $2, $3 FROM gone)
SELECT address, reason FROM gone;

-- name: search-suppressions
-- Newest first, `$1` a case-insensitive part of the address (or NULL), keyset on created_at.
SELECT address, reason, evidence, created_by, created_at
  FROM mailing.suppressions
 WHERE ($1::text IS NULL OR strpos(lower(address), lower($1)) > 0)
   AND ($2::text IS NULL OR reason = $2)
 ORDER BY created_at DESC, lower(address)
 LIMIT $3;

-- name: suppression-history
SELECT action, reason, note, evidence, created_by, created_at
  FROM mailing.suppression_log WHERE lower(address) = lower($1) ORDER BY id;
