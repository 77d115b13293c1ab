-- A person's erasure deletes their delivery rows, but not what the campaigns they got did:
-- each erased row is tallied here first (by the status it had; a row still queued or being
-- sent counts as skipped, since nothing was sent), and a campaign's progress adds the tally,
-- so a sent campaign keeps its counts. Only counts: nothing here names anyone.
CREATE TABLE mailing.erased_deliveries (
    campaign_id bigint NOT NULL REFERENCES mailing.campaigns (id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('sent', 'failed', 'bounced', 'skipped')),
    n bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, status)
);

CREATE OR REPLACE FUNCTION mailing.campaign_progress(campaign bigint)
RETURNS TABLE (queued bigint, sending bigint, sent bigint, failed bigint, bounced bigint,
               skipped bigint, rate numeric)
LANGUAGE sql STABLE AS $$
WITH recent AS (
    SELECT count(*) AS n, min(sent_at) AS first, max(sent_at) AS last
      FROM mailing.deliveries
     WHERE campaign_id = campaign AND status = 'sent' AND sent_at > now() - interval '60 seconds'),
erased AS (
    SELECT coalesce(sum(n) FILTER (WHERE status = 'sent'), 0)::bigint AS sent,
           coalesce(sum(n) FILTER (WHERE status = 'failed'), 0)::bigint AS failed,
           coalesce(sum(n) FILTER (WHERE status = 'bounced'), 0)::bigint AS bounced,
           coalesce(sum(n) FILTER (WHERE status = 'skipped'), 0)::bigint AS skipped
      FROM mailing.erased_deliveries WHERE campaign_id = campaign),
overall AS (
    SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
           count(*) FILTER (WHERE status = 'sending') AS sending,
           count(*) FILTER (WHERE status = 'sent') AS sent,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'bounced') AS bounced,
           count(*) FILTER (WHERE status = 'skipped') AS skipped,
           min(sent_at) AS first, max(sent_at) AS last
      FROM mailing.deliveries WHERE campaign_id = campaign)
SELECT o.queued, o.sending, o.sent + e.sent, o.failed + e.failed, o.bounced + e.bounced,
       o.skipped + e.skipped,
       (CASE WHEN o.queued + o.sending > 0 AND r.n > 1
             THEN r.n / greatest(extract(epoch FROM now() - r.first), 0.001)
             WHEN o.sent > 1 AND o.last > o.first
             THEN o.sent / extract(epoch FROM o.last - o.first)
             ELSE 0 END)::numeric
  FROM overall o, recent r, erased e
$$;
