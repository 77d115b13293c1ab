-- name: network-origins
-- Where the given networks may be embedded: each one's own list, else the nearest
-- ancestor's, else nowhere (no wildcard unless an owner sets one).
WITH RECURSIVE up AS (
    SELECT id AS start, parent_id, embed_origins, 0 AS depth
      FROM directory.networks WHERE id = ANY($1::bigint[])
    UNION ALL
    SELECT up.start, n.parent_id, n.embed_origins, up.depth + 1
      FROM directory.networks n JOIN up ON n.id = up.parent_id
     WHERE up.embed_origins IS NULL AND up.depth < 32),
nearest AS (
    SELECT DISTINCT ON (start) start, coalesce(embed_origins, '{}') AS origins
      FROM up WHERE embed_origins IS NOT NULL OR parent_id IS NULL
     ORDER BY start, depth)
SELECT coalesce(array_agg(DISTINCT origin), '{}') FROM nearest, unnest(nearest.origins) AS origin;

-- name: reveal-origins
-- Where a contact in the given networks may be revealed: every origin set on one of them or
-- on a network above them (each of those networks' widgets shows the contact).
SELECT coalesce(array_agg(DISTINCT origin), '{}')
  FROM directory.network_lineage l
  JOIN directory.networks n ON n.id = ANY(l.lineage)
 CROSS JOIN unnest(n.embed_origins) AS origin
 WHERE l.id = ANY($1::bigint[]);

-- name: embedding-origins
-- Every origin a public network may be embedded on: the only ones a reveal preflight admits.
SELECT coalesce(array_agg(DISTINCT origin), '{}')
  FROM directory.network_lineage l
  JOIN directory.networks n ON n.id = l.id
 CROSS JOIN unnest(n.embed_origins) AS origin
 WHERE l.open;

-- name: set-network-origins
UPDATE directory.networks SET embed_origins = $2, updated_at = now(), revision = revision + 1
 WHERE slug = $1 RETURNING revision;
