-- A deleted contact is kept, invisible to every read, until `restore_until`: undo brings it
-- back whole (phones, addresses, memberships, position); after that it is purged. Expand:
-- new columns, and the card view every read goes through now leaves deleted contacts out.
ALTER TABLE directory.contacts
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN restore_until timestamptz,
    ADD CONSTRAINT contacts_deleted_restorable
        CHECK ((deleted_at IS NULL) = (restore_until IS NULL));
CREATE INDEX contacts_restore_until ON directory.contacts (restore_until)
    WHERE restore_until IS NOT NULL;

CREATE OR REPLACE VIEW directory.contact_cards AS
SELECT c.id, c.uid, c.given_name, c.family_name, c.display_name, c.titles, c.position,
       c.published, c.revision, c.created_at, c.updated_at,
       o.id AS org_id, o.slug AS org_slug, o.names AS org_names,
       o.country AS org_country, o.website AS org_website,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('e164', p.e164, 'written', p.written,
                                                     'kind', p.kind, 'extension', p.extension)
                                  ORDER BY p.position), '[]')
          FROM directory.contact_phones p WHERE p.contact_id = c.id) AS phones,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('url', l.url, 'label', l.label)
                                  ORDER BY l.position), '[]')
          FROM directory.contact_links l WHERE l.contact_id = c.id) AS links,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('network', n.slug, 'role', m.role)
                                  ORDER BY n.position, n.id), '[]')
          FROM directory.memberships m JOIN directory.networks n ON n.id = m.network_id
         WHERE m.contact_id = c.id) AS networks,
       (SELECT coalesce(array_agg(m.network_id), '{}')
          FROM directory.memberships m WHERE m.contact_id = c.id) AS network_ids,
       EXISTS (SELECT 1 FROM directory.contact_emails e WHERE e.contact_id = c.id) AS has_email,
       directory.fold(concat_ws(' ', c.display_name, c.given_name, c.family_name,
                                (SELECT string_agg(value, ' ') FROM jsonb_each_text(o.names)))) AS search_key
  FROM directory.contacts c
  LEFT JOIN directory.organisations o ON o.id = c.organisation_id
 WHERE c.deleted_at IS NULL;

-- Where a contact was shown before a change: nowhere while it was deleted, so a CardDAV sync
-- reports the deletion (one 404 entry) and, after an undo, the contact again.
CREATE OR REPLACE FUNCTION directory.log_shown(contacts bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO directory.contact_changes (contact_id, uid, shown)
  SELECT c.id, c.uid, directory.shown(c.id, c.published AND c.deleted_at IS NULL)
    FROM directory.contacts c
   WHERE c.id = ANY(contacts)
     AND NOT EXISTS (SELECT 1 FROM directory.contact_changes x
                      WHERE x.xid = pg_current_xact_id() AND x.contact_id = c.id
                        AND x.shown IS NOT NULL);
END $$;
