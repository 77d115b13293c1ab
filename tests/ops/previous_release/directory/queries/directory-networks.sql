-- name: data-version
SELECT version FROM directory.state;

-- name: list-networks
SELECT n.id, n.slug, n.names, n.default_lang, n.is_private, n.position, n.revision,
       n.created_at, n.updated_at, p.slug AS parent, n.embed_origins
  FROM directory.networks n LEFT JOIN directory.networks p ON p.id = n.parent_id
 ORDER BY n.parent_id NULLS FIRST, n.position, n.id;

-- name: get-network
SELECT n.id, n.slug, n.names, n.default_lang, n.is_private, n.position, n.revision,
       n.created_at, n.updated_at, p.slug AS parent, n.embed_origins
  FROM directory.networks n LEFT JOIN directory.networks p ON p.id = n.parent_id
 WHERE n.slug = $1;

-- name: lock-network
SELECT id, slug, parent_id, names, default_lang, is_private, position, revision
  FROM directory.networks WHERE slug = $1 FOR UPDATE;

-- name: network-subtree
WITH RECURSIVE tree AS (
    SELECT id FROM directory.networks WHERE id = $1
    UNION
    SELECT n.id FROM directory.networks n JOIN tree t ON n.parent_id = t.id)
SELECT array_agg(id) FROM tree;

-- name: network-ids-by-slug
SELECT id, slug FROM directory.networks WHERE slug = ANY($1::text[]);

-- name: insert-network
INSERT INTO directory.networks
       (slug, parent_id, names, default_lang, is_private, position, embed_origins)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id;

-- name: update-network
UPDATE directory.networks
   SET slug = $2, parent_id = $3, names = $4, default_lang = $5, is_private = $6,
       position = $7, embed_origins = $8, revision = revision + 1, updated_at = now()
 WHERE id = $1
RETURNING revision;

-- name: delete-network
DELETE FROM directory.networks WHERE id = $1;

-- name: count-networks
SELECT count(*) FROM directory.networks;

-- name: all-private
-- True when every one of the networks is private (a contact in them is not public).
SELECT coalesce(bool_and(is_private), false) FROM directory.networks WHERE id = ANY($1::bigint[]);
