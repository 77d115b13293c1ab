-- Which database the change log and version history were made in, so that a restore from
-- a dump (pg_dump/pg_restore, or a copy into another database) is noticed: there the saved
-- transaction ids mean nothing, and CardDAV sync tokens from before must all be refused.
-- `kontakt restore-check` compares, and `kontakt new-epoch` starts a new history here.
-- Expand-only: a column, two functions, and the version bump moved into one of them.

-- "system identifier/database oid": unique per database and cluster, kept by a physical
-- restore or failover (the version history handles those), new after a logical restore.
CREATE FUNCTION directory.home() RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  cluster text := '';
BEGIN
  BEGIN
    SELECT system_identifier::text INTO cluster FROM pg_control_system();
  EXCEPTION WHEN insufficient_privilege THEN
    cluster := '';  -- a managed service that hides it: the database's oid alone
  END;
  RETURN cluster || '/' || (SELECT oid::text FROM pg_database WHERE datname = current_database());
END $$;

ALTER TABLE directory.change_log ADD COLUMN home text DEFAULT directory.home();
UPDATE directory.change_log SET home = directory.home();

-- One version more (a new random stamp), as every change makes: the trigger's body.
CREATE FUNCTION directory.next_version() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  next_version bigint;
  next_stamp uuid;
BEGIN
  UPDATE directory.state SET version = version + 1, stamp = gen_random_uuid()
   RETURNING version, stamp INTO next_version, next_stamp;
  INSERT INTO directory.versions (version, stamp) VALUES (next_version, next_stamp);
  PERFORM pg_notify('directory_changed', directory.data_version());
END $$;

CREATE OR REPLACE FUNCTION directory.bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM directory.next_version();
  RETURN NULL;
END $$;
