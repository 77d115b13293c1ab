-- A list's members are paged and searched through indexes of that list alone. Before, the first
-- page of a small list walked the index of every subscriber's address (all lists), and a search
-- read the list until it had a page. Each subscription now holds its member's sort key (the
-- address in lower case) and the text a search looks in (the address and the list's name of
-- the person, lower case), kept by triggers so every writer (an import, a form, the previous
-- release's copies) fills them.
ALTER TABLE mailing.subscriptions ADD COLUMN email_key text, ADD COLUMN search text;

CREATE FUNCTION mailing.subscription_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT lower(b.email), lower(b.email || ' ' || coalesce(NEW.name, b.name, ''))
      INTO NEW.email_key, NEW.search
      FROM mailing.subscribers b WHERE b.id = NEW.subscriber_id;
    RETURN NEW;
END $$;
CREATE TRIGGER subscription_keys BEFORE INSERT OR UPDATE OF subscriber_id, name
    ON mailing.subscriptions FOR EACH ROW EXECUTE FUNCTION mailing.subscription_keys();

CREATE FUNCTION mailing.subscriber_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mailing.subscriptions s
       SET email_key = lower(NEW.email),
           search = lower(NEW.email || ' ' || coalesce(s.name, NEW.name, ''))
     WHERE s.subscriber_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER subscriber_keys AFTER UPDATE OF email, name ON mailing.subscribers
    FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION mailing.subscriber_keys();

UPDATE mailing.subscriptions s
   SET email_key = lower(b.email), search = lower(b.email || ' ' || coalesce(s.name, b.name, ''))
  FROM mailing.subscribers b WHERE b.id = s.subscriber_id;
-- Not declared NOT NULL (the previous release's INSERTs name neither column): the trigger
-- fills both on every write.

CREATE INDEX subscriptions_list_email ON mailing.subscriptions (list_id, email_key);
CREATE INDEX subscriptions_list_status_email ON mailing.subscriptions (list_id, status, email_key);

-- A search for a rare text finds its rows through trigrams where the server has pg_trgm (a
-- trusted extension: the database's owner may create it); without it, the search reads the
-- list in address order until it has a page, as before.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX subscriptions_search ON mailing.subscriptions
            USING gin (search gin_trgm_ops);
    END IF;
END $$;
