-- Rate limits, for every service that keeps a `rate_limits` table in its own schema:
-- `{schema}` is the loading service's (`Queries.load(..., schema=SCHEMA)`).

-- name: rate-hit
-- Count one hit, and return the sliding-window estimate: this window's hits plus the last
-- window's, weighted by how much of it still overlaps the last $2 seconds. A fixed window
-- alone would grant twice the budget to a client that straddles its edge.
WITH hit AS (
    INSERT INTO {schema}.rate_limits AS r (bucket, window_start, hits)
    VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1
    RETURNING hits, window_start)
SELECT (hit.hits + coalesce(
           (SELECT p.hits FROM {schema}.rate_limits p
             WHERE p.bucket = $1 AND p.window_start = hit.window_start - make_interval(secs => $2)),
           0) * (1 - extract(epoch FROM (now() - hit.window_start)) / $2))::float8 AS hits,
       extract(epoch FROM (hit.window_start + make_interval(secs => $2) - now()))::integer
         AS resets_in
  FROM hit;

-- name: prune-rate-limits
-- Housekeeping: at most $1 windows older than $2 seconds; how many went.
WITH gone AS (
    DELETE FROM {schema}.rate_limits WHERE (bucket, window_start) IN (
        SELECT r.bucket, r.window_start FROM {schema}.rate_limits r
         WHERE r.window_start < now() - make_interval(secs => $2)
         LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;
