-- A campaign's progress in one place, so a list of campaigns reads it in the same statement
-- (a lateral call per row) instead of one query per campaign.
-- Counts by status, and the real sending rate: the messages of the last minute over the
-- time they took (while sending), or all of them over the campaign's sending time (after).
CREATE FUNCTION mailing.campaign_progress(campaign bigint)
RETURNS TABLE (queued bigint, sending bigint, sent bigint, failed bigint, bounced bigint,
               skipped bigint, rate numeric)
LANGUAGE sql STABLE AS $$
WITH recent AS (
    SELECT count(*) AS n, min(sent_at) AS first, max(sent_at) AS last
      FROM mailing.deliveries
     WHERE campaign_id = campaign AND status = 'sent' AND sent_at > now() - interval '60 seconds'),
overall AS (
    SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
           count(*) FILTER (WHERE status = 'sending') AS sending,
           count(*) FILTER (WHERE status = 'sent') AS sent,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'bounced') AS bounced,
           count(*) FILTER (WHERE status = 'skipped') AS skipped,
           min(sent_at) AS first, max(sent_at) AS last
      FROM mailing.deliveries WHERE campaign_id = campaign)
SELECT o.queued, o.sending, o.sent, o.failed, o.bounced, o.skipped,
       (CASE WHEN o.queued + o.sending > 0 AND r.n > 1
             THEN r.n / greatest(extract(epoch FROM now() - r.first), 0.001)
             WHEN o.sent > 1 AND o.last > o.first
             THEN o.sent / extract(epoch FROM o.last - o.first)
             ELSE 0 END)::numeric
  FROM overall o, recent r
$$;
