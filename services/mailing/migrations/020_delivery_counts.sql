-- A campaign's deliveries by status, kept as they change (as 019 keeps a list's subscribers),
-- so its progress reads a few rows instead of counting the campaign: the campaign list counted
-- every campaign's deliveries on each view of a newsletter (its page and its members' pages;
-- 111,000 rows at 100,000 subscribers), and the worker's queue gauge every waiting one.
-- Each statement adds delta rows (+n/-n per campaign and status), so the worker's claims and
-- outcomes never wait for each other on a counter row; a read sums a campaign's rows, and
-- housekeeping (compact-delivery-counts) folds them into one per status. Triggers keep them,
-- not the queries, so they stay exact whichever release writes the deliveries.
-- first_sent and last_sent are the earliest and latest sent_at of the rows a statement put in
-- a status: the sending rate is read from them (over the whole sending time once done, over
-- the rows of the last minute while sending, which housekeeping leaves unfolded for that).
-- No foreign key: a campaign's deletion cascades to its deliveries, whose deltas then sum to
-- zero and are dropped by the next compaction.
CREATE TABLE mailing.delivery_counts (
    campaign_id bigint NOT NULL,
    status text NOT NULL,
    n bigint NOT NULL,
    first_sent timestamptz,
    last_sent timestamptz
);
CREATE INDEX delivery_counts_campaign ON mailing.delivery_counts (campaign_id, status);

CREATE FUNCTION mailing.count_deliveries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO mailing.delivery_counts (campaign_id, status, n, first_sent, last_sent)
        SELECT campaign_id, status, count(*), min(sent_at), max(sent_at)
          FROM new_rows GROUP BY campaign_id, status;
    ELSIF TG_OP = 'DELETE' THEN
        -- A deleted row's send stays in the times: the campaign's sending time is unchanged.
        INSERT INTO mailing.delivery_counts (campaign_id, status, n)
        SELECT campaign_id, status, -count(*) FROM old_rows GROUP BY campaign_id, status;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO mailing.delivery_counts (campaign_id, status, n, first_sent, last_sent)
        SELECT campaign_id, status, sum(d), min(sent_at), max(sent_at) FROM (
            SELECT campaign_id, status, 1 AS d, sent_at FROM new_rows
            UNION ALL
            SELECT campaign_id, status, -1, NULL FROM old_rows) changed
         GROUP BY campaign_id, status HAVING sum(d) <> 0;
    ELSE  -- TRUNCATE
        DELETE FROM mailing.delivery_counts;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER delivery_counts_insert AFTER INSERT ON mailing.deliveries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mailing.count_deliveries();
CREATE TRIGGER delivery_counts_update AFTER UPDATE ON mailing.deliveries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mailing.count_deliveries();
CREATE TRIGGER delivery_counts_delete AFTER DELETE ON mailing.deliveries
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mailing.count_deliveries();
CREATE TRIGGER delivery_counts_truncate AFTER TRUNCATE ON mailing.deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION mailing.count_deliveries();

-- The migration runs while no copy writes (or under its lock): the counts start from a count.
LOCK TABLE mailing.deliveries IN SHARE MODE;
INSERT INTO mailing.delivery_counts (campaign_id, status, n, first_sent, last_sent)
SELECT campaign_id, status, count(*), min(sent_at), max(sent_at)
  FROM mailing.deliveries GROUP BY campaign_id, status;

-- What 016 reported, read from the kept counts. The rate while sending is that of the
-- last minute's sends (the delta rows that put messages in 'sent' within it, from the first
-- of them to now); after, all messages sent over the time from the first send to the last.
-- The times include sends to people since erased: the campaign took that time to send.
CREATE OR REPLACE FUNCTION mailing.campaign_progress(campaign bigint)
RETURNS TABLE (queued bigint, sending bigint, sent bigint, failed bigint, bounced bigint,
               skipped bigint, rate numeric)
LANGUAGE sql STABLE AS $$
WITH erased AS (
    SELECT coalesce(sum(n) FILTER (WHERE status = 'sent'), 0)::bigint AS sent,
           coalesce(sum(n) FILTER (WHERE status = 'failed'), 0)::bigint AS failed,
           coalesce(sum(n) FILTER (WHERE status = 'bounced'), 0)::bigint AS bounced,
           coalesce(sum(n) FILTER (WHERE status = 'skipped'), 0)::bigint AS skipped
      FROM mailing.erased_deliveries WHERE campaign_id = campaign),
kept AS (
    SELECT coalesce(sum(n) FILTER (WHERE status = 'queued'), 0)::bigint AS queued,
           coalesce(sum(n) FILTER (WHERE status = 'sending'), 0)::bigint AS sending,
           coalesce(sum(n) FILTER (WHERE status = 'sent'), 0)::bigint AS sent,
           coalesce(sum(n) FILTER (WHERE status = 'failed'), 0)::bigint AS failed,
           coalesce(sum(n) FILTER (WHERE status = 'bounced'), 0)::bigint AS bounced,
           coalesce(sum(n) FILTER (WHERE status = 'skipped'), 0)::bigint AS skipped,
           min(first_sent) AS first, max(last_sent) AS last,
           coalesce(sum(n) FILTER (WHERE status = 'sent' AND n > 0
                                     AND last_sent > now() - interval '60 seconds'), 0)
               AS recent,
           min(first_sent) FILTER (WHERE status = 'sent' AND n > 0
                                     AND last_sent > now() - interval '60 seconds')
               AS recent_first
      FROM mailing.delivery_counts WHERE campaign_id = campaign)
SELECT k.queued, k.sending, k.sent + e.sent, k.failed + e.failed, k.bounced + e.bounced,
       k.skipped + e.skipped,
       (CASE WHEN k.queued + k.sending > 0 AND k.recent > 1
             THEN k.recent / greatest(extract(epoch FROM now() - k.recent_first), 0.001)
             WHEN k.sent > 1 AND k.last > k.first
             THEN k.sent / extract(epoch FROM k.last - k.first)
             ELSE 0 END)::numeric
  FROM kept k, erased e
$$;
