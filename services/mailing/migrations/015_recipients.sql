-- Who a campaign of a list goes to: its confirmed subscribers whose address is not
-- suppressed. The one rule, read by the start of a campaign and by the count the console
-- asks for before "Send".
CREATE VIEW mailing.recipients AS
SELECT s.list_id, s.subscriber_id
  FROM mailing.subscriptions s
  JOIN mailing.subscribers b ON b.id = s.subscriber_id
 WHERE s.status = 'confirmed'
   AND NOT EXISTS (SELECT 1 FROM mailing.suppressions x WHERE lower(x.address) = lower(b.email));
