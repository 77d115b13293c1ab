"""An account's tokens in bulk, straight into the table (set-up, not the path under test)."""

from __future__ import annotations

# As years of sessions and phones leave them (secrets unused): `$1` the account, `$2` how many.
MANY_TOKENS = """
INSERT INTO directory.tokens (account_id, kind, name, prefix, hash)
SELECT $1::bigint, 'api', 'old ' || n, 'p' || n, sha256(gen_random_uuid()::text::bytea)
  FROM generate_series(1, $2) n
"""
