-- name: sync-point
-- The snapshot and the data version it sees, read together: a sync token.
SELECT directory.data_version() AS version, pg_current_snapshot()::text AS snapshot;

-- name: issued-here
-- Whether this database issued a sync token (version $1, stamp $2, snapshot $3): the
-- version is in its history; the snapshot is not in the future; and no later version was
-- made by a transaction the snapshot saw (which happens only when the token comes from a
-- history this database no longer has: a restore, a point-in-time recovery, a failover).
SELECT EXISTS (SELECT 1 FROM directory.versions WHERE version = $1 AND stamp = $2::uuid)
   AND pg_snapshot_xmax($3::text::pg_snapshot) <= pg_snapshot_xmax(pg_current_snapshot())
   AND NOT EXISTS (
         SELECT 1 FROM directory.versions
          WHERE version > $1 AND pg_visible_in_snapshot(xid, $3::text::pg_snapshot));

-- name: changed-since
-- Contacts changed by transactions the client's snapshot could not see.
SELECT DISTINCT uid FROM directory.contact_changes
 WHERE xid >= pg_snapshot_xmin($1::text::pg_snapshot)
   AND NOT pg_visible_in_snapshot(xid, $1::text::pg_snapshot)
   AND uid IS NOT NULL;
