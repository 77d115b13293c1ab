-- Housekeeping: each prune deletes at most $1 rows older than its retention ($2 seconds),
-- in a statement of its own, and answers how many it deleted (repeated while it is $1).

-- name: move-change-log-horizon
-- The first step, before any change is deleted: the horizon moves just past the transaction
-- of the newest version older than $1 seconds (never past a transaction still running, so
-- every transaction below it has finished and made its versions), and tokens of versions
-- below the newest one made beneath the horizon are no longer answered. A token of that
-- version or later was read after every transaction below the horizon committed (each
-- version waits for the one before it), so nothing it could not see is pruned.
WITH old AS (
    SELECT v.xid FROM directory.versions v
     WHERE v.made_at < now() - make_interval(secs => $1)
     ORDER BY v.version DESC LIMIT 1),
cut AS (
    SELECT least((old.xid::text::numeric + 1)::text::xid8,
                 pg_snapshot_xmin(pg_current_snapshot())) AS horizon
      FROM old),
kept AS (
    SELECT cut.horizon,
           (SELECT max(v.version) FROM directory.versions v WHERE v.xid < cut.horizon)
             AS first_version
      FROM cut)
UPDATE directory.change_log l
   SET horizon = kept.horizon, first_version = kept.first_version, moved_at = now()
  FROM kept
 WHERE kept.horizon > l.horizon AND kept.first_version > l.first_version
RETURNING 1;

-- name: prune-versions
WITH gone AS (
    DELETE FROM directory.versions WHERE version IN (
        SELECT v.version FROM directory.versions v
         WHERE v.version < (SELECT first_version FROM directory.change_log)
         ORDER BY v.version LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;

-- name: prune-contact-changes
WITH gone AS (
    DELETE FROM directory.contact_changes WHERE ctid = ANY(ARRAY(
        SELECT c.ctid FROM directory.contact_changes c
         WHERE c.xid < (SELECT horizon FROM directory.change_log)
         LIMIT $1 FOR UPDATE SKIP LOCKED))
    RETURNING 1)
SELECT count(*)::int FROM gone;

-- name: prune-signin-links
WITH gone AS (
    DELETE FROM directory.signin_links WHERE id IN (
        SELECT l.id FROM directory.signin_links l
         WHERE l.expires_at < now() - make_interval(secs => $2)
         LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;

-- name: prune-session-tokens
-- Console sessions' tokens that ended; one that made another token stays, so revoking the
-- token that started the session still reaches what the session made.
WITH gone AS (
    DELETE FROM directory.tokens WHERE id IN (
        SELECT t.id FROM directory.tokens t
         WHERE t.session
           AND coalesce(t.revoked_at, t.expires_at) < now() - make_interval(secs => $2)
           AND NOT EXISTS (SELECT 1 FROM directory.tokens c WHERE c.parent_id = t.id)
         LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;

-- name: purge-deleted-contacts
-- Deleted contacts whose time to restore has passed (014): gone for good, with their phones,
-- addresses and memberships, even when no other contact is deleted after them.
WITH gone AS (
    DELETE FROM directory.contacts WHERE id IN (
        SELECT c.id FROM directory.contacts c
         WHERE c.restore_until < now()
         ORDER BY c.restore_until LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;
