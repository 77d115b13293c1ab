"""The directory's contact import, called as a coordinator's tool calls it."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api

CSV = {"Content-Type": "text/csv"}


async def imported(api: Api, body: bytes, query: str, headers: dict[str, str]) -> dict[str, Any]:
    """The report of an import that must be answered (never a 500)."""
    reply = await api.post(f"/v1/contacts/import?{query}", data=body, headers=headers)
    assert reply.status == 200, reply.text
    report: dict[str, Any] = reply.json
    return report
