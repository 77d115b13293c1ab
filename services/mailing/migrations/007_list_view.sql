-- Each list's own view of a person. Only that list's coordinator (an import) or the person
-- (confirming their own request) changes it, so a stranger's subscribe request or another
-- list's import never renames anyone. NULL means written by the previous release, whose
-- copies still read mailing.subscribers.name (which this release only sets for new people).
ALTER TABLE mailing.subscriptions ADD COLUMN name text;
UPDATE mailing.subscriptions s SET name = b.name
  FROM mailing.subscribers b WHERE b.id = s.subscriber_id;
