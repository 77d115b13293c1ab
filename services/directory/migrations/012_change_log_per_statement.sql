-- The change log (004) and the "where it was shown" rows (010) written once per statement
-- from its transition tables, not once per row: an import writes thousands of contacts,
-- phones, addresses and memberships in a few statements, and a trigger call with its own
-- queries for each of those rows was most of the import's time in PostgreSQL.
-- What a sync reads is the same: the contacts each transaction changed (now one row per
-- contact and transaction, not one per changed child row: readers take DISTINCT uids), and
-- a "shown" row before a transaction's first change to a contact's memberships.

DROP TRIGGER contacts_logged ON directory.contacts;
DROP TRIGGER phones_logged ON directory.contact_phones;
DROP TRIGGER emails_logged ON directory.contact_emails;
DROP TRIGGER links_logged ON directory.contact_links;
DROP TRIGGER memberships_logged ON directory.memberships;

-- One row per contact and transaction says "changed" (a snapshot sees all of a transaction
-- or none of it), so a statement logs only contacts its transaction has not logged yet: an
-- import's phones, addresses and memberships add nothing to its contacts' rows.
DROP INDEX directory.contact_changes_xid;
CREATE INDEX contact_changes_xid ON directory.contact_changes (xid, contact_id);

-- A statement's rows (`old_rows` for DELETE, `new_rows` otherwise): their contacts, logged.
-- A child whose contact went in the same statement logs nothing (the contact's row does).
CREATE FUNCTION directory.log_statement_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'contacts' AND TG_OP = 'DELETE' THEN
    INSERT INTO directory.contact_changes (contact_id, uid)
    SELECT o.id, o.uid FROM old_rows o
     WHERE NOT EXISTS (SELECT 1 FROM directory.contact_changes x
                        WHERE x.xid = pg_current_xact_id() AND x.contact_id = o.id);
  ELSIF TG_TABLE_NAME = 'contacts' THEN
    INSERT INTO directory.contact_changes (contact_id, uid)
    SELECT n.id, n.uid FROM new_rows n
     WHERE NOT EXISTS (SELECT 1 FROM directory.contact_changes x
                        WHERE x.xid = pg_current_xact_id() AND x.contact_id = n.id);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO directory.contact_changes (contact_id, uid)
    SELECT c.id, c.uid FROM directory.contacts c
     WHERE c.id IN (SELECT contact_id FROM old_rows)
       AND NOT EXISTS (SELECT 1 FROM directory.contact_changes x
                        WHERE x.xid = pg_current_xact_id() AND x.contact_id = c.id);
  ELSE
    INSERT INTO directory.contact_changes (contact_id, uid)
    SELECT c.id, c.uid FROM directory.contacts c
     WHERE c.id IN (SELECT contact_id FROM new_rows)
       AND NOT EXISTS (SELECT 1 FROM directory.contact_changes x
                        WHERE x.xid = pg_current_xact_id() AND x.contact_id = c.id);
  END IF;
  RETURN NULL;
END $$;

-- PostgreSQL allows transition tables only on triggers of a single event.
CREATE TRIGGER contacts_logged_insert AFTER INSERT ON directory.contacts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER contacts_logged_update AFTER UPDATE ON directory.contacts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER contacts_logged_delete AFTER DELETE ON directory.contacts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER phones_logged_insert AFTER INSERT ON directory.contact_phones
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER phones_logged_update AFTER UPDATE ON directory.contact_phones
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER phones_logged_delete AFTER DELETE ON directory.contact_phones
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER emails_logged_insert AFTER INSERT ON directory.contact_emails
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER emails_logged_update AFTER UPDATE ON directory.contact_emails
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER emails_logged_delete AFTER DELETE ON directory.contact_emails
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER links_logged_insert AFTER INSERT ON directory.contact_links
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER links_logged_update AFTER UPDATE ON directory.contact_links
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER links_logged_delete AFTER DELETE ON directory.contact_links
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER memberships_logged_insert AFTER INSERT ON directory.memberships
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER memberships_logged_update AFTER UPDATE ON directory.memberships
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();
CREATE TRIGGER memberships_logged_delete AFTER DELETE ON directory.memberships
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_statement_changes();

-- New memberships: where their contacts were shown before the statement, which is where
-- they are shown after it without the new rows. (Updates and deletes keep the row trigger
-- of 010, which runs before the change; they are rare in bulk.)
DROP TRIGGER memberships_shown ON directory.memberships;
CREATE TRIGGER memberships_shown BEFORE UPDATE OR DELETE ON directory.memberships
    FOR EACH ROW EXECUTE FUNCTION directory.log_contact_shown();

CREATE FUNCTION directory.log_members_shown() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Set-wise (hash joins on the transition table), never a scan of it per membership.
  WITH touched AS (SELECT DISTINCT contact_id FROM new_rows),
       before AS (
         SELECT m.contact_id, array_agg(m.network_id) AS networks
           FROM directory.memberships m JOIN touched t ON t.contact_id = m.contact_id
          WHERE NOT EXISTS (SELECT 1 FROM new_rows n
                             WHERE n.contact_id = m.contact_id AND n.network_id = m.network_id)
          GROUP BY m.contact_id)
  INSERT INTO directory.contact_changes (contact_id, uid, shown)
  SELECT c.id, c.uid,
         CASE WHEN b.networks IS NULL OR NOT c.published THEN '[]'::jsonb
              ELSE (SELECT coalesce(jsonb_agg(jsonb_build_object('n', l.network,
                                                                 'open', l.open,
                                                                 'lineage', l.lineage)), '[]')
                      FROM directory.lineage(b.networks) l) END
    FROM touched t
    JOIN directory.contacts c ON c.id = t.contact_id
    LEFT JOIN before b ON b.contact_id = c.id
   WHERE NOT EXISTS (SELECT 1 FROM directory.contact_changes x
                      WHERE x.xid = pg_current_xact_id() AND x.contact_id = c.id
                        AND x.shown IS NOT NULL);
  RETURN NULL;
END $$;

CREATE TRIGGER memberships_shown_insert AFTER INSERT ON directory.memberships
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION directory.log_members_shown();
