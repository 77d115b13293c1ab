-- Housekeeping: each prune deletes at most $1 rows older than its retention ($2 seconds),
-- in a statement of its own, and answers how many it deleted.

-- name: prune-used-tokens
-- A confirmation link's nonce is needed while the link could still be used (its lifetime
-- is the floor of the retention, see housekeeping.py).
WITH gone AS (
    DELETE FROM mailing.used_tokens WHERE nonce_hash IN (
        SELECT u.nonce_hash FROM mailing.used_tokens u
         WHERE u.used_at < now() - make_interval(secs => $2)
         LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;

-- name: prune-preference-links
WITH gone AS (
    DELETE FROM mailing.preference_links WHERE key_hash IN (
        SELECT p.key_hash FROM mailing.preference_links p
         WHERE p.expires_at < now() - make_interval(secs => $2)
         LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING 1)
SELECT count(*)::int FROM gone;

-- name: compact-subscription-counts
-- Up to $1 lists' statuses with more than one delta row folded into one row (none when they
-- sum to zero); answers how many were folded. Rows added meanwhile stay for the next time.
WITH picked AS (
    SELECT list_id, status FROM mailing.subscription_counts
     GROUP BY list_id, status HAVING count(*) > 1 LIMIT $1),
gone AS (
    DELETE FROM mailing.subscription_counts c USING picked p
     WHERE c.list_id = p.list_id AND c.status = p.status
    RETURNING c.list_id, c.status, c.n),
kept AS (
    INSERT INTO mailing.subscription_counts (list_id, status, n)
    SELECT list_id, status, sum(n) FROM gone GROUP BY list_id, status HAVING sum(n) <> 0
    RETURNING 1)
SELECT count(*)::int FROM picked;

-- name: compact-delivery-counts
-- Up to $1 campaigns' statuses with more than one delta row folded into one row (none when
-- they sum to zero), keeping the first and last send; answers how many were folded. Rows of
-- sends within the last minute stay as written: the rate while sending is read from them
-- (campaign_progress). Rows added meanwhile stay for the next time.
WITH picked AS (
    SELECT campaign_id, status FROM mailing.delivery_counts
     WHERE last_sent IS NULL OR last_sent <= now() - interval '60 seconds'
     GROUP BY campaign_id, status HAVING count(*) > 1 LIMIT $1),
gone AS (
    DELETE FROM mailing.delivery_counts c USING picked p
     WHERE c.campaign_id = p.campaign_id AND c.status = p.status
       AND (c.last_sent IS NULL OR c.last_sent <= now() - interval '60 seconds')
    RETURNING c.campaign_id, c.status, c.n, c.first_sent, c.last_sent),
kept AS (
    INSERT INTO mailing.delivery_counts (campaign_id, status, n, first_sent, last_sent)
    SELECT campaign_id, status, sum(n), min(first_sent), max(last_sent) FROM gone
     GROUP BY campaign_id, status HAVING sum(n) <> 0
    RETURNING 1)
SELECT count(*)::int FROM picked;
