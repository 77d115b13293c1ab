-- Imports: what a chunk of rows matches, read in one query per kind of key.

-- name: import-networks
SELECT n.id, n.slug, n.default_lang FROM directory.networks n ORDER BY n.id;

-- name: organisation-slugs
-- The slugs a new organisation's slug ($1) or its numbered forms ($1-2, $1-3...) would meet.
-- ($1 is letters, digits and hyphens: nothing in it is special to a regular expression.)
SELECT slug FROM directory.organisations WHERE slug = $1 OR slug ~ ('^' || $1 || '-[0-9]+$');

-- name: import-by-uid
-- Deleted ones too (their UID stays theirs until they are purged), flagged.
SELECT c.id, c.uid::text AS uid, c.deleted_at IS NOT NULL AS deleted,
       (SELECT coalesce(array_agg(m.network_id), '{}') FROM directory.memberships m
         WHERE m.contact_id = c.id) AS network_ids
  FROM directory.contacts c WHERE c.uid = ANY($1::uuid[]);

-- name: import-by-email
-- The addresses are looked up in the index one by one (an array from a subquery, which the
-- planner takes for a few values): with the chunk's 500 values as a constant, and no
-- statistics yet (a table an import has just filled), it scanned every address per chunk.
-- Each match's contact is read by primary key for the same reason.
WITH found AS MATERIALIZED (
  SELECT e.contact_id, lower(e.address) AS address FROM directory.contact_emails e
   WHERE lower(e.address) = ANY(ARRAY(SELECT unnest($1::text[]))))
SELECT f.contact_id AS id, f.address, c.display_name, c.given_name, c.family_name,
       (SELECT coalesce(array_agg(m.network_id), '{}') FROM directory.memberships m
         WHERE m.contact_id = f.contact_id) AS network_ids
  FROM found f
  CROSS JOIN LATERAL (SELECT c.display_name, c.given_name, c.family_name, c.deleted_at
                        FROM directory.contacts c WHERE c.id = f.contact_id OFFSET 0) c
 WHERE c.deleted_at IS NULL
 ORDER BY f.contact_id;

-- name: import-by-phone
-- As import-by-email (the numbers' index is contact_phones_e164).
WITH found AS MATERIALIZED (
  SELECT p.contact_id, p.e164 FROM directory.contact_phones p
   WHERE p.e164 = ANY(ARRAY(SELECT unnest($1::text[]))))
SELECT f.contact_id AS id, f.e164, c.display_name,
       (SELECT coalesce(array_agg(m.network_id), '{}') FROM directory.memberships m
         WHERE m.contact_id = f.contact_id) AS network_ids
  FROM found f
  CROSS JOIN LATERAL (SELECT c.display_name, c.deleted_at FROM directory.contacts c
                       WHERE c.id = f.contact_id OFFSET 0) c
 WHERE c.deleted_at IS NULL
 ORDER BY f.contact_id;
