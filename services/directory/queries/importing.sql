-- Imports: what a chunk of rows matches, read in one query per kind of key.

-- name: import-networks
SELECT n.id, n.slug, n.default_lang FROM directory.networks n ORDER BY n.id;

-- name: import-by-uid
-- Deleted ones too (their UID stays theirs until they are purged), flagged.
SELECT c.id, c.uid::text AS uid, c.deleted_at IS NOT NULL AS deleted,
       (SELECT coalesce(array_agg(m.network_id), '{}') FROM directory.memberships m
         WHERE m.contact_id = c.id) AS network_ids
  FROM directory.contacts c WHERE c.uid = ANY($1::uuid[]);

-- name: import-by-email
SELECT e.contact_id AS id, lower(e.address) AS address, c.display_name, c.given_name,
       c.family_name,
       (SELECT coalesce(array_agg(m.network_id), '{}') FROM directory.memberships m
         WHERE m.contact_id = e.contact_id) AS network_ids
  FROM directory.contact_emails e JOIN directory.contacts c ON c.id = e.contact_id
 WHERE lower(e.address) = ANY($1::text[]) AND c.deleted_at IS NULL
 ORDER BY e.contact_id;

-- name: import-by-phone
SELECT p.contact_id AS id, p.e164, c.display_name,
       (SELECT coalesce(array_agg(m.network_id), '{}') FROM directory.memberships m
         WHERE m.contact_id = p.contact_id) AS network_ids
  FROM directory.contact_phones p JOIN directory.contacts c ON c.id = p.contact_id
 WHERE p.e164 = ANY($1::text[]) AND c.deleted_at IS NULL
 ORDER BY p.contact_id;
