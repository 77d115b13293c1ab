"""Directory sync tokens (CardDAV sync): "number.stamp.snapshot", checked against this database.

The number and stamp are the data version (see freshness.py), the snapshot PostgreSQL's
`pg_current_snapshot()` the version was read in.
"""

from __future__ import annotations

import itertools
import re

from shared.conn import Conn
from shared.errors import FieldError, Gone, ValidationFailed
from shared.queries import Queries

TOKEN = re.compile(
    r"^(\d{1,18})\.([0-9a-f]{32})"  # the data version
    r"\.(\d{1,19}):(\d{1,19}):((?:\d{1,19},){0,9999}\d{1,19})?$"  # xmin:xmax:xip,...
)


XID_LIMIT = 2**63


class InvalidSyncToken(ValidationFailed):
    """A sync token this database did not issue (RFC 6578 §3.2: the client syncs afresh)."""

    def __init__(self, field: str = "since") -> None:
        super().__init__([FieldError(field, "is not a sync token this directory issued")])


class ExpiredSyncToken(Gone):
    """A sync token older than the change log reaches back (housekeeping pruned its changes)."""

    def __init__(self, field: str = "since") -> None:
        message = "is older than the change log (KONTAKT_CHANGE_LOG_DAYS): read everything afresh"
        super().__init__(f"{field} {message}", errors=[{"field": field, "message": message}])


def parse_token(token: str) -> tuple[int, str, str]:
    """(version number, stamp, snapshot) of a well-formed token; InvalidSyncToken otherwise."""
    found = TOKEN.match(token)
    if found is None:
        raise InvalidSyncToken
    xmin, xmax = int(found[3]), int(found[4])
    xip = [int(x) for x in found[5].split(",")] if found[5] else []
    # What PostgreSQL's pg_snapshot input refuses, refused here first, with a 422 not a 500.
    if not 1 <= xmin <= xmax < XID_LIMIT:
        raise InvalidSyncToken
    if any(not xmin <= x < xmax for x in xip) or any(a >= b for a, b in itertools.pairwise(xip)):
        raise InvalidSyncToken
    return int(found[1]), found[2], f"{found[3]}:{found[4]}:{found[5] or ''}"


async def issued_snapshot(conn: Conn, q: Queries, token: str) -> str:
    """The snapshot of a token this database issued, else InvalidSyncToken.

    Checks the format; that the change log still reaches back to the token's version
    (ExpiredSyncToken when housekeeping pruned past it); that the version is in this
    database's history with the same stamp (a version made again after a restore fails),
    that its snapshot is not in the future, and that no later version was made by a
    transaction the snapshot saw. Run it in the same repeatable-read transaction as the
    change query.
    """
    number, stamp, snapshot = parse_token(token)
    if number < await conn.fetchval(q["first-kept-version"]):
        raise ExpiredSyncToken
    if not await conn.fetchval(q["issued-here"], number, stamp, snapshot):
        raise InvalidSyncToken
    return snapshot
