-- Where a changed contact could be seen before the change, so that a CardDAV sync tells a
-- caller about a contact that left their view (one 404 entry) and about nobody else.
-- `shown` is written once per contact and transaction, before the transaction's first
-- change to it: a list of {n: network, open: boolean, lineage: [network, parent, ...]} for
-- each of its networks, empty when it was unpublished. NULL on the rows that only say
-- "changed" (written after each change, see 004_change_log.sql).
ALTER TABLE directory.contact_changes ADD COLUMN shown jsonb;
CREATE UNIQUE INDEX contact_changes_shown
    ON directory.contact_changes (xid, contact_id) WHERE shown IS NOT NULL;

CREATE FUNCTION directory.shown(contact bigint, published boolean) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('n', l.network, 'open', l.open,
                                               'lineage', l.lineage)), '[]')
    FROM directory.lineage(ARRAY(SELECT m.network_id FROM directory.memberships m
                                  WHERE m.contact_id = contact AND published)) l
$$;

CREATE FUNCTION directory.log_shown(contacts bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO directory.contact_changes (contact_id, uid, shown)
  SELECT c.id, c.uid, directory.shown(c.id, c.published)
    FROM directory.contacts c
   WHERE c.id = ANY(contacts)
     AND NOT EXISTS (SELECT 1 FROM directory.contact_changes x
                      WHERE x.xid = pg_current_xact_id() AND x.contact_id = c.id
                        AND x.shown IS NOT NULL);
END $$;

-- Before a contact, or one of its memberships, changes.
CREATE FUNCTION directory.log_contact_shown() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'contacts' THEN
    PERFORM directory.log_shown(ARRAY[OLD.id]);
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM directory.log_shown(ARRAY[NEW.contact_id]);
  ELSE
    PERFORM directory.log_shown(ARRAY[OLD.contact_id]);
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;

-- Before a network turns private or public, or moves: everyone in it and below it.
CREATE FUNCTION directory.log_network_shown() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM directory.log_shown(ARRAY(
    SELECT m.contact_id FROM directory.memberships m
      JOIN directory.network_lineage l ON l.id = m.network_id
     WHERE OLD.id = ANY(l.lineage)));
  RETURN NEW;
END $$;

CREATE TRIGGER contacts_shown BEFORE UPDATE OR DELETE ON directory.contacts
    FOR EACH ROW EXECUTE FUNCTION directory.log_contact_shown();
CREATE TRIGGER memberships_shown BEFORE INSERT OR UPDATE OR DELETE ON directory.memberships
    FOR EACH ROW EXECUTE FUNCTION directory.log_contact_shown();
CREATE TRIGGER networks_shown BEFORE UPDATE ON directory.networks
    FOR EACH ROW
    WHEN (OLD.is_private IS DISTINCT FROM NEW.is_private
          OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION directory.log_network_shown();
