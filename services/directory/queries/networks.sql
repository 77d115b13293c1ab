-- name: data-version
-- The data version, "number.stamp": unique across restores (the stamp is random).
SELECT directory.data_version();

-- name: version-known
-- Whether version $1 with stamp $2 is in this database's history: it is not after a
-- restore, a point-in-time recovery or a failover took the database back past it.
SELECT EXISTS (SELECT 1 FROM directory.versions WHERE version = $1 AND stamp = $2::uuid);

-- name: list-networks
SELECT n.id, n.slug, n.names, n.default_lang, n.is_private, n.position, n.revision,
       n.created_at, n.updated_at, p.slug AS parent, n.embed_origins, n.country
  FROM directory.networks n LEFT JOIN directory.networks p ON p.id = n.parent_id
 ORDER BY n.parent_id NULLS FIRST, n.position, n.id;

-- name: get-network
SELECT n.id, n.slug, n.names, n.default_lang, n.is_private, n.position, n.revision,
       n.created_at, n.updated_at, p.slug AS parent, n.embed_origins, n.country
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
       (slug, parent_id, names, default_lang, is_private, position, embed_origins, country)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id;

-- name: update-network
UPDATE directory.networks
   SET slug = $2, parent_id = $3, names = $4, default_lang = $5, is_private = $6,
       position = $7, embed_origins = $8, country = $9, revision = revision + 1,
       updated_at = now()
 WHERE id = $1
RETURNING revision;

-- name: delete-network
DELETE FROM directory.networks WHERE id = $1;

-- name: count-networks
SELECT count(*) FROM directory.networks;

-- name: network-countries
-- Each network's country, or the nearest one above it.
WITH RECURSIVE up AS (
    SELECT n.slug AS start, n.parent_id, n.country, 0 AS depth
      FROM directory.networks n WHERE n.slug = ANY($1::text[])
    UNION ALL
    SELECT up.start, p.parent_id, p.country, up.depth + 1
      FROM directory.networks p JOIN up ON p.id = up.parent_id
     WHERE up.country IS NULL AND up.depth < 32)
SELECT DISTINCT ON (start) start AS slug, country
  FROM up WHERE country IS NOT NULL ORDER BY start, depth;

-- name: visible-networks
-- The networks a caller sees: $1 an admin, $2 the networks it holds a permission on.
SELECT l.id, n.slug FROM directory.network_lineage l JOIN directory.networks n ON n.id = l.id
 WHERE directory.sees(l.open, l.id, $1, $2::bigint[]);
