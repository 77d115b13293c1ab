-- name: rate-hit
-- Count one hit, and return the sliding-window estimate: this window's hits plus the last
-- window's, weighted by how much of it still overlaps the last $2 seconds. A fixed window
-- alone would grant twice the budget to a client that straddles its edge.
WITH hit AS (
    INSERT INTO directory.rate_limits AS r (bucket, window_start, hits)
    VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1
    RETURNING hits, window_start)
SELECT (hit.hits + coalesce(
           (SELECT p.hits FROM directory.rate_limits p
             WHERE p.bucket = $1 AND p.window_start = hit.window_start - make_interval(secs => $2)),
           0) * (1 - extract(epoch FROM (now() - hit.window_start)) / $2))::float8 AS hits,
       extract(epoch FROM (hit.window_start + make_interval(secs => $2) - now()))::integer
         AS resets_in
  FROM hit;

-- name: rate-sweep
DELETE FROM directory.rate_limits WHERE window_start < now() - interval '1 day';

-- name: network-origins
-- Where the given networks may be embedded: each one's own list, else the nearest
-- ancestor's, else anywhere.
WITH RECURSIVE up AS (
    SELECT id AS start, parent_id, embed_origins, 0 AS depth
      FROM directory.networks WHERE id = ANY($1::bigint[])
    UNION ALL
    SELECT up.start, n.parent_id, n.embed_origins, up.depth + 1
      FROM directory.networks n JOIN up ON n.id = up.parent_id
     WHERE up.embed_origins IS NULL AND up.depth < 32),
nearest AS (
    SELECT DISTINCT ON (start) start, coalesce(embed_origins, '{*}') AS origins
      FROM up WHERE embed_origins IS NOT NULL OR parent_id IS NULL
     ORDER BY start, depth)
SELECT coalesce(array_agg(DISTINCT origin), '{*}') FROM nearest, unnest(nearest.origins) AS origin;

-- name: set-network-origins
UPDATE directory.networks SET embed_origins = $2, updated_at = now(), revision = revision + 1
 WHERE slug = $1 RETURNING revision;
