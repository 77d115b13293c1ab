-- name: sync-point
SELECT pg_current_snapshot()::text AS token, (SELECT version FROM directory.state) AS version;

-- name: changed-since
-- Contacts changed by transactions the client's snapshot could not see.
SELECT DISTINCT uid FROM directory.contact_changes
 WHERE xid >= pg_snapshot_xmin($1::text::pg_snapshot)
   AND NOT pg_visible_in_snapshot(xid, $1::text::pg_snapshot)
   AND uid IS NOT NULL;
