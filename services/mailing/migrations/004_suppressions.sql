-- The installation-wide suppression list: an address on it gets no mail from any list.

CREATE TABLE mailing.suppressions (
    address text NOT NULL CHECK (address LIKE '%_@_%'),
    reason text NOT NULL CHECK (reason IN ('hard-bounce', 'complaint', 'manual', 'imported')),
    -- What proves it: the report's status, diagnostic and reporting MTA, or who added it.
    evidence jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(evidence) = 'object'),
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX suppressions_address ON mailing.suppressions (lower(address));
CREATE INDEX suppressions_created ON mailing.suppressions (created_at DESC);

-- Every suppression and reinstatement, kept after the address leaves the list.
CREATE TABLE mailing.suppression_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address text NOT NULL,
    action text NOT NULL CHECK (action IN ('suppressed', 'reinstated')),
    reason text NOT NULL,
    note text NOT NULL DEFAULT '',
    evidence jsonb NOT NULL DEFAULT '{}',
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX suppression_log_address ON mailing.suppression_log (lower(address), id);
