-- name: epoch-home
-- Where the change log was made, and where it is now (directory.home()).
SELECT l.home AS made_in, directory.home() AS here FROM directory.change_log l;

-- name: next-version
-- One version more, as every change makes (a new stamp: every ETag changes).
SELECT directory.next_version();

-- name: start-epoch
-- After a restore from a dump, right after next-version in the same transaction: the change
-- log begins with that version. Every sync token from before is older than the log (410,
-- CardDAV 403 valid-sync-token), so every client syncs afresh.
WITH logged AS (DELETE FROM directory.contact_changes),
     history AS (DELETE FROM directory.versions
                  WHERE version < (SELECT version FROM directory.state))
UPDATE directory.change_log
   SET home = directory.home(), horizon = pg_current_xact_id(), moved_at = now(),
       first_version = (SELECT version FROM directory.state)
RETURNING first_version;
