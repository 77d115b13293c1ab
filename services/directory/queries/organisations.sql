-- name: list-organisations
SELECT id, slug, names, country, website, revision, created_at, updated_at
  FROM directory.organisations ORDER BY slug;

-- name: get-organisation
SELECT id, slug, names, country, website, revision, created_at, updated_at
  FROM directory.organisations WHERE slug = $1;

-- name: lock-organisation
SELECT id, slug, names, country, website, revision
  FROM directory.organisations WHERE slug = $1 FOR UPDATE;

-- name: insert-organisation
INSERT INTO directory.organisations (slug, names, country, website)
VALUES ($1, $2, $3, $4)
RETURNING id;

-- name: update-organisation
UPDATE directory.organisations
   SET slug = $2, names = $3, country = $4, website = $5,
       revision = revision + 1, updated_at = now()
 WHERE id = $1
RETURNING revision;

-- name: delete-organisation
DELETE FROM directory.organisations WHERE id = $1;

-- name: organisation-contact-networks
-- The networks of each contact working at an organisation (deleted ones too: undo brings them
-- back with its name); a contact in no network has an empty array.
SELECT (SELECT coalesce(array_agg(m.network_id), '{}') FROM directory.memberships m
         WHERE m.contact_id = c.id) AS network_ids
  FROM directory.contacts c
 WHERE c.organisation_id = $1;
