-- Every data version gets a random stamp, and every version ever made is kept with the
-- transaction that made it. A physical restore, a point-in-time recovery or a failover
-- keeps the system identifier and may take the counter (and transaction ids) back to
-- numbers already handed out; with the stamp, "version 42" after a restore is never the
-- "version 42" a cache or a client holds from before, and a sync token whose version is
-- not in this history (or whose snapshot saw a transaction it cannot have seen) is one
-- this database did not issue.
ALTER TABLE directory.state ADD COLUMN stamp uuid NOT NULL DEFAULT gen_random_uuid();

CREATE TABLE directory.versions (
    version bigint PRIMARY KEY,
    stamp uuid NOT NULL,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    made_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO directory.versions (version, stamp) SELECT version, stamp FROM directory.state;

-- The data version as services and clients see it: "number.stamp" (32 hex digits).
CREATE FUNCTION directory.data_version() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT version::text || '.' || replace(stamp::text, '-', '') FROM directory.state
$$;

CREATE OR REPLACE FUNCTION directory.bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  next_version bigint;
  next_stamp uuid;
BEGIN
  UPDATE directory.state SET version = version + 1, stamp = gen_random_uuid()
   RETURNING version, stamp INTO next_version, next_stamp;
  INSERT INTO directory.versions (version, stamp) VALUES (next_version, next_stamp);
  PERFORM pg_notify('directory_changed', directory.data_version());
  RETURN NULL;
END $$;
