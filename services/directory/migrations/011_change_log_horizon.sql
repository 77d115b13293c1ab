-- How far back the change log (contact_changes, versions) reaches, so it can be pruned.
-- Housekeeping first moves the horizon, then deletes below it in batches: changes of
-- transactions below `horizon` may be gone, and sync tokens of a version below
-- `first_version` are refused (410 at /v1/sync, 403 valid-sync-token at CardDAV), because
-- their change set could miss what was pruned. Expand-only: a new table.
CREATE TABLE directory.change_log (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    horizon xid8 NOT NULL DEFAULT '0',
    first_version bigint NOT NULL DEFAULT 0,
    moved_at timestamptz
);
INSERT INTO directory.change_log DEFAULT VALUES;
