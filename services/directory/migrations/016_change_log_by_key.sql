-- The statement triggers of 012 reach a statement's contacts and their memberships by key.
-- Joined to the transition table, the planner scanned all of `contacts` (and, for "shown",
-- all of `memberships`) once per statement whenever it thought that cheaper than 500 index
-- reads: an import's chunk of 500 cards paid for four such scans, so each chunk cost more
-- as the directory grew. An array from a subquery is taken for a few keys, read by index.
-- What is logged is the same.

CREATE OR REPLACE FUNCTION directory.log_statement_changes() RETURNS trigger
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
     WHERE c.id = ANY(ARRAY(SELECT DISTINCT contact_id FROM old_rows))
       AND NOT EXISTS (SELECT 1 FROM directory.contact_changes x
                        WHERE x.xid = pg_current_xact_id() AND x.contact_id = c.id);
  ELSE
    INSERT INTO directory.contact_changes (contact_id, uid)
    SELECT c.id, c.uid FROM directory.contacts c
     WHERE c.id = ANY(ARRAY(SELECT DISTINCT contact_id FROM new_rows))
       AND NOT EXISTS (SELECT 1 FROM directory.contact_changes x
                        WHERE x.xid = pg_current_xact_id() AND x.contact_id = c.id);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION directory.log_members_shown() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Not a plpgsql variable: that would be planned as a constant of 500 values.
  WITH before AS (
         SELECT m.contact_id, array_agg(m.network_id) AS networks
           FROM directory.memberships m
          WHERE m.contact_id = ANY(ARRAY(SELECT DISTINCT contact_id FROM new_rows))
            AND NOT EXISTS (SELECT 1 FROM new_rows n
                             WHERE n.contact_id = m.contact_id AND n.network_id = m.network_id)
          GROUP BY m.contact_id)
  INSERT INTO directory.contact_changes (contact_id, uid, shown)
  SELECT c.id, c.uid,
         CASE WHEN b.networks IS NULL OR NOT c.published THEN '[]'::jsonb
              ELSE (SELECT coalesce(jsonb_agg(jsonb_build_object('n', l.network,
                                                                 'open', l.open,
                                                                 'lineage', l.lineage)), '[]')
                      FROM directory.lineage(b.networks) l) END
    FROM directory.contacts c
    LEFT JOIN before b ON b.contact_id = c.id
   WHERE c.id = ANY(ARRAY(SELECT DISTINCT contact_id FROM new_rows))
     AND NOT EXISTS (SELECT 1 FROM directory.contact_changes x
                      WHERE x.xid = pg_current_xact_id() AND x.contact_id = c.id
                        AND x.shown IS NOT NULL);
  RETURN NULL;
END $$;
