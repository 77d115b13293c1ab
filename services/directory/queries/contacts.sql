-- name: list-contacts
-- $1 network ids, $2 folded search or NULL, $3/$4 keyset cursor, $5 limit, $6 include unpublished,
-- $7 only these UIDs (or NULL)
SELECT * FROM directory.contact_cards c
 WHERE (c.published OR $6)
   AND c.network_ids && $1::bigint[]
   AND ($7::uuid[] IS NULL OR c.uid = ANY($7::uuid[]))
   AND ($2::text IS NULL OR c.search_key LIKE '%' || directory.fold($2::text) || '%' ESCAPE '\')
   AND (c.position, c.id) > ($3::integer, $4::bigint)
 ORDER BY c.position, c.id
 LIMIT $5;

-- name: page-all-contacts
-- Every contact after ($1, $2) in (position, id) order, $3 at most: the whole directory a
-- keyset page at a time (`kontakt export`), never all of it at once.
SELECT * FROM directory.contact_cards c
 WHERE (c.position, c.id) > ($1::integer, $2::bigint)
 ORDER BY c.position, c.id
 LIMIT $3;

-- name: get-contact
SELECT * FROM directory.contact_cards c WHERE c.id = $1 AND (c.published OR $2);

-- name: contact-emails
SELECT contact_id, array_agg(address ORDER BY position) AS emails
  FROM directory.contact_emails WHERE contact_id = ANY($1::bigint[])
 GROUP BY contact_id;

-- name: lock-contact
SELECT c.id, c.given_name, c.family_name, c.display_name, c.titles, c.position, c.published,
       c.revision, o.slug AS organisation,
       (SELECT coalesce(array_agg(m.network_id), '{}') FROM directory.memberships m
         WHERE m.contact_id = c.id) AS network_ids
  FROM directory.contacts c LEFT JOIN directory.organisations o ON o.id = c.organisation_id
 WHERE c.id = $1 AND c.deleted_at IS NULL
   FOR UPDATE OF c;

-- name: organisation-id
SELECT id FROM directory.organisations WHERE slug = $1;

-- name: delete-contact
-- Deleted, restorable for $2 seconds: from now on no read shows it (the card view leaves it
-- out); the deletions whose time to restore has passed are purged on the way.
WITH purged AS (DELETE FROM directory.contacts
                 WHERE restore_until < now() AND id <> $1)
UPDATE directory.contacts
   SET deleted_at = now(), restore_until = now() + make_interval(secs => $2),
       revision = revision + 1, updated_at = now()
 WHERE id = $1
RETURNING restore_until;

-- name: lock-deleted-contact
-- A deleted contact still within its time to restore, with its networks.
SELECT c.id, c.revision,
       (SELECT coalesce(array_agg(m.network_id), '{}') FROM directory.memberships m
         WHERE m.contact_id = c.id) AS network_ids
  FROM directory.contacts c
 WHERE c.id = $1 AND c.deleted_at IS NOT NULL AND c.restore_until >= now()
   FOR UPDATE OF c;

-- name: deleted-contacts
-- The deleted contacts of these networks ($1) whose time to restore lasts, newest first:
-- what an Undo may still bring back.
SELECT c.id, c.display_name, c.restore_until
  FROM directory.contacts c
 WHERE c.deleted_at IS NOT NULL AND c.restore_until >= now()
   AND EXISTS (SELECT 1 FROM directory.memberships m
                WHERE m.contact_id = c.id AND m.network_id = ANY($1::bigint[]))
 ORDER BY c.deleted_at DESC, c.id
 LIMIT 200;

-- name: restore-contact
UPDATE directory.contacts
   SET deleted_at = NULL, restore_until = NULL, revision = revision + 1, updated_at = now()
 WHERE id = $1;

-- name: organisation-by-name
SELECT slug FROM directory.organisations o
 WHERE EXISTS (SELECT 1 FROM jsonb_each_text(o.names) n
                WHERE directory.fold(n.value) = directory.fold($1))
 ORDER BY id LIMIT 1;

-- name: network-by-name
SELECT slug FROM directory.networks n
 WHERE n.slug = lower($1)
    OR EXISTS (SELECT 1 FROM jsonb_each_text(n.names) x
                WHERE directory.fold(x.value) = directory.fold($1))
 ORDER BY id LIMIT 1;

-- name: lock-contacts
-- Contacts about to change, locked in id order (two writers never wait on each other in a
-- circle), with their addresses: what a PATCH or an import starts from.
SELECT v.id, v.given_name, v.family_name, v.display_name, v.titles, v.position, v.published,
       v.org_slug AS organisation, v.phones, v.links, v.networks,
       (SELECT coalesce(jsonb_agg(e.address ORDER BY e.position), '[]')
          FROM directory.contact_emails e WHERE e.contact_id = v.id) AS emails
  FROM directory.contact_cards v JOIN directory.contacts c ON c.id = v.id
 WHERE v.id = ANY($1::bigint[])
 ORDER BY v.id
   FOR UPDATE OF c;

-- Writes take arrays, one element per contact (or child), so that one contact from the API
-- and a chunk of an import go through the same statements.

-- name: insert-contacts
INSERT INTO directory.contacts
       (uid, given_name, family_name, display_name, titles, organisation_id, position, published)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bigint[],
                     $7::integer[], $8::boolean[])
RETURNING id, uid;

-- name: update-contacts
UPDATE directory.contacts c
   SET given_name = r.given_name, family_name = r.family_name, display_name = r.display_name,
       titles = r.titles, organisation_id = r.organisation_id, position = r.position,
       published = r.published, revision = c.revision + 1, updated_at = now()
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bigint[],
              $7::integer[], $8::boolean[])
       AS r(id, given_name, family_name, display_name, titles, organisation_id, position, published)
 WHERE c.id = r.id
   -- Read by key (see clear-contact-children), not by a scan of every contact.
   AND c.id = ANY(ARRAY(SELECT unnest($1::bigint[])))
RETURNING c.id, c.revision;

-- name: clear-contact-children
-- The ids as an array from a subquery, which the planner takes for a few values and reads by
-- index: as a constant of an import's hundreds of ids, on tables without statistics yet, it
-- read every phone, address and membership in the directory for each chunk.
WITH p AS (DELETE FROM directory.contact_phones
             WHERE contact_id = ANY(ARRAY(SELECT unnest($1::bigint[])))),
     e AS (DELETE FROM directory.contact_emails
             WHERE contact_id = ANY(ARRAY(SELECT unnest($1::bigint[])))),
     l AS (DELETE FROM directory.contact_links
             WHERE contact_id = ANY(ARRAY(SELECT unnest($1::bigint[]))))
DELETE FROM directory.memberships WHERE contact_id = ANY(ARRAY(SELECT unnest($1::bigint[])));

-- name: insert-phones
INSERT INTO directory.contact_phones (contact_id, position, e164, written, kind, extension)
SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::text[]);

-- name: insert-emails
INSERT INTO directory.contact_emails (contact_id, position, address)
SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::text[]);

-- name: insert-links
INSERT INTO directory.contact_links (contact_id, position, url, label)
SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::text[]);

-- name: insert-memberships
INSERT INTO directory.memberships (contact_id, network_id, role)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]);

-- name: organisation-ids
SELECT id, slug FROM directory.organisations WHERE slug = ANY($1::text[]);

-- name: network-order
-- Every contact of these networks (published or not) in the order they are shown, with all
-- of its networks (a reorder may only move contacts the caller edits everywhere).
SELECT c.id, c.position,
       (SELECT array_agg(m.network_id) FROM directory.memberships m WHERE m.contact_id = c.id)
         AS network_ids
  FROM directory.contacts c
 WHERE c.deleted_at IS NULL
   AND EXISTS (SELECT 1 FROM directory.memberships m
                WHERE m.contact_id = c.id AND m.network_id = ANY($1::bigint[]))
 ORDER BY c.position, c.id;

-- name: lock-network-order
-- The same, locked: two reorders of one network run one after the other.
SELECT c.id, c.position,
       (SELECT array_agg(m.network_id) FROM directory.memberships m WHERE m.contact_id = c.id)
         AS network_ids
  FROM directory.contacts c
 WHERE c.deleted_at IS NULL
   AND EXISTS (SELECT 1 FROM directory.memberships m
                WHERE m.contact_id = c.id AND m.network_id = ANY($1::bigint[]))
 ORDER BY c.position, c.id
   FOR UPDATE OF c;

-- name: set-positions
-- $1 contact ids, $2 their new positions; only contacts whose position changes are written.
UPDATE directory.contacts c
   SET position = r.position, revision = c.revision + 1, updated_at = now()
  FROM unnest($1::bigint[], $2::integer[]) AS r(id, position)
 WHERE c.id = r.id AND c.position <> r.position;
