"""The mailing service's own check after a restore (`kontakt restore-check`)."""

from __future__ import annotations

from services.mailing.paths import QUERIES_DIR
from shared.conn import Conn
from shared.queries import Queries
from shared.restorecheck import Finding


async def sending_findings(conn: Conn) -> list[Finding]:
    """No campaign was sending when the backup was taken: what went out after it is not in
    the ledger, and a worker would send it again."""
    rows = await conn.fetch(Queries.load(QUERIES_DIR)["campaigns-sending"])
    if not rows:
        return [Finding(True, "campaigns", "none was sending when the backup was taken")]
    ids = ", ".join(str(r["id"]) for r in rows)
    return [
        Finding(
            False,
            "campaigns",
            f"{ids} were sending when the backup was taken: messages sent after it are not "
            "recorded and would go out again. Before any worker starts, pause them (the "
            "mailing service with KONTAKT_MAILING_WORKER=false, POST /v1/campaigns/{id}/pause), "
            "see in the relay's log what went out, then resume or cancel",
        )
    ]
