-- Which contacts changed in which transaction, for CardDAV sync-collection (RFC 6578).
-- A sync token is a snapshot (pg_current_snapshot()); the changes since a token are the
-- rows whose transaction that snapshot could not see. Unlike a counter, this never skips
-- a change made by a transaction that commits after a later one.
CREATE TABLE directory.contact_changes (
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    contact_id bigint NOT NULL,
    uid uuid,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_changes_xid ON directory.contact_changes (xid);

CREATE FUNCTION directory.log_contact_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  row_data record;
BEGIN
  IF TG_OP = 'DELETE' THEN row_data := OLD; ELSE row_data := NEW; END IF;
  IF TG_TABLE_NAME = 'contacts' THEN
    INSERT INTO directory.contact_changes (contact_id, uid) VALUES (row_data.id, row_data.uid);
  ELSE
    INSERT INTO directory.contact_changes (contact_id, uid)
    SELECT row_data.contact_id, c.uid FROM directory.contacts c WHERE c.id = row_data.contact_id;
  END IF;
  RETURN NULL;
END $$;

-- An organisation's or a network's new name changes the cards of everyone in it.
CREATE FUNCTION directory.log_related_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'organisations' THEN
    INSERT INTO directory.contact_changes (contact_id, uid)
    SELECT c.id, c.uid FROM directory.contacts c WHERE c.organisation_id = NEW.id;
  ELSE
    INSERT INTO directory.contact_changes (contact_id, uid)
    SELECT c.id, c.uid FROM directory.contacts c
      JOIN directory.memberships m ON m.contact_id = c.id WHERE m.network_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER contacts_logged AFTER INSERT OR UPDATE OR DELETE ON directory.contacts
    FOR EACH ROW EXECUTE FUNCTION directory.log_contact_change();
CREATE TRIGGER phones_logged AFTER INSERT OR UPDATE OR DELETE ON directory.contact_phones
    FOR EACH ROW EXECUTE FUNCTION directory.log_contact_change();
CREATE TRIGGER emails_logged AFTER INSERT OR UPDATE OR DELETE ON directory.contact_emails
    FOR EACH ROW EXECUTE FUNCTION directory.log_contact_change();
CREATE TRIGGER links_logged AFTER INSERT OR UPDATE OR DELETE ON directory.contact_links
    FOR EACH ROW EXECUTE FUNCTION directory.log_contact_change();
CREATE TRIGGER memberships_logged AFTER INSERT OR UPDATE OR DELETE ON directory.memberships
    FOR EACH ROW EXECUTE FUNCTION directory.log_contact_change();
CREATE TRIGGER organisations_logged AFTER UPDATE ON directory.organisations
    FOR EACH ROW EXECUTE FUNCTION directory.log_related_changes();
CREATE TRIGGER networks_logged AFTER UPDATE ON directory.networks
    FOR EACH ROW EXECUTE FUNCTION directory.log_related_changes();
