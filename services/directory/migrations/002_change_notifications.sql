-- Tell listening directory processes that the data version moved, so cached public
-- reads need no query to know they are current. Delivered at commit, never before.
CREATE OR REPLACE FUNCTION directory.bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  next_version bigint;
BEGIN
  UPDATE directory.state SET version = version + 1 RETURNING version INTO next_version;
  PERFORM pg_notify('directory_changed', next_version::text);
  RETURN NULL;
END $$;
