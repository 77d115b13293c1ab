-- name: sync-point
-- The snapshot and the data version it sees, read together: a sync token.
SELECT directory.data_version() AS version, pg_current_snapshot()::text AS snapshot;

-- name: first-kept-version
-- Sync tokens of older versions are refused: housekeeping pruned changes they could miss.
SELECT first_version FROM directory.change_log;

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
-- Contacts changed by transactions the client's snapshot ($1) could not see, of those the
-- caller sees in the address book now ($2: the book's networks the caller sees) or saw in
-- it then: a change since recorded that, before it, the contact was shown in book $3
-- through a network the caller sees ($4: an admin, $5: the networks it holds a permission
-- on). Nobody else's identifier is named.
WITH changed AS (
    SELECT contact_id, uid, shown FROM directory.contact_changes
     WHERE xid >= pg_snapshot_xmin($1::text::pg_snapshot)
       AND NOT pg_visible_in_snapshot(xid, $1::text::pg_snapshot)
       AND uid IS NOT NULL)
SELECT DISTINCT ch.uid FROM changed ch
 WHERE EXISTS (SELECT 1 FROM directory.contacts c
                 JOIN directory.memberships m ON m.contact_id = c.id
                WHERE c.id = ch.contact_id AND c.published AND c.deleted_at IS NULL
                  AND m.network_id = ANY($2::bigint[]))
    OR EXISTS (SELECT 1 FROM jsonb_array_elements(ch.shown) s
                WHERE s->'lineage' @> to_jsonb($3::bigint)
                  AND directory.sees((s->>'open')::boolean, (s->>'n')::bigint, $4, $5::bigint[]));
