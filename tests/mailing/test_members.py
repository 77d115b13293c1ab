"""Member management: unsubscribe, remove, block and reinstate one person, each recorded."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from services.mailing.paths import QUERIES_DIR
from services.mailing.returns.suppression import suppress
from shared.queries import Queries
from tests.conftest import MakeAccount
from tests.support.forms import subscribe_by_form
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, people
from tests.support.preferences import owner_link

pytestmark = pytest.mark.usefixtures("demo")
Q = Queries.load(QUERIES_DIR)
WHY = {"reason": "asked at the Tartu seminar"}


async def test_coordinators_manage_one_member_and_every_action_is_recorded(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    editor_id, editor = await make_account(
        "madis@example.ee", permissions={"ee": ("manage_lists",)}
    )
    _, latvian = await make_account("daina@example.lv", permissions={"lv": ("manage_lists",)})
    api = mailing.api.as_(editor)
    assert (await api.post("/v1/lists", json=EE_LIST)).status == 201
    await people(
        conn,
        "ee-uudised",
        [
            ("ieva@example.ee", "Ieva", "confirmed"),
            ("ootab@example.ee", "", "pending"),
            ("tagasi@example.ee", "", "bounced"),
            ("lahkus@example.ee", "", "unsubscribed"),
            ("kinni@example.ee", "", "bounced"),
            ("viga@example.ee", "", "confirmed"),
        ],
    )
    await conn.execute(
        "UPDATE mailing.subscriptions SET confirmed_at = '2024-05-01' "
        "WHERE status IN ('confirmed', 'bounced')"
    )
    await suppress(conn, Q, "kinni@example.ee", "hard-bounce", {"status": "5.1.1"})
    items = (await api.get("/v1/lists/ee-uudised/members")).json["items"]
    ids = {m["email"]: m["id"] for m in items}
    assert {m["email"]: m["suppressed"] for m in items}["kinni@example.ee"] == "hard-bounce"

    async def act(email: str, action: str, body: dict[str, Any] = WHY) -> Any:
        return await api.post(f"/v1/lists/ee-uudised/members/{ids[email]}/{action}", json=body)

    async def status(email: str) -> str | None:
        found: str | None = await conn.fetchval(
            "SELECT s.status FROM mailing.subscriptions s "
            "JOIN mailing.subscribers b ON b.id = s.subscriber_id WHERE b.email = $1",
            email,
        )
        return found

    # Unsubscribe, as if the person had asked; a second time is a conflict; a reason is needed.
    done = await act("ieva@example.ee", "unsubscribe")
    assert done.json | {"at": ""} == {
        "action": "unsubscribe",
        "from_status": "confirmed",
        "to_status": "unsubscribed",
        "reason": "asked at the Tartu seminar",
        "by": f"account:{editor_id} madis@example.ee",
        "at": "",
    }
    assert (await act("ieva@example.ee", "unsubscribe")).status == 409
    assert (await act("ootab@example.ee", "unsubscribe", {})).problem_fields() == ["reason"]
    assert (await act("ootab@example.ee", "block", {"reason": "a\r\nBcc: x"})).status == 422

    # Block: no confirmation mail from the form, and an import does not bring them back.
    assert (await act("ootab@example.ee", "block")).json["to_status"] == "blocked"
    await subscribe_by_form(mailing, "ee-uudised", "ootab@example.ee")
    assert mailing.sink.messages == []
    imported = await api.post(
        "/v1/lists/ee-uudised/import?consent=paper",
        data=b"email\r\nootab@example.ee\r\n",
        headers={"Content-Type": "text/csv"},
    )
    assert imported.json["unchanged"] == 1
    assert await status("ootab@example.ee") == "blocked"
    # Reinstating gives back what was before the block: still waiting for the person's word.
    assert (await act("ootab@example.ee", "reinstate")).json["to_status"] == "pending"

    # A bounced member who had confirmed resumes; an opt-out is the person's own to undo.
    assert (await act("tagasi@example.ee", "reinstate")).json["to_status"] == "confirmed"
    left = await act("lahkus@example.ee", "reinstate")
    assert left.status == 409
    assert "subscribing again" in left.json["detail"]
    # While the address is suppressed, only an admin's reinstatement there helps.
    suppressed = await act("kinni@example.ee", "reinstate")
    assert suppressed.status == 409
    assert "suppression list" in suppressed.json["detail"]

    # Remove forgets a subscription, but never an opt-out (an import would undo it).
    assert (await act("viga@example.ee", "remove")).json["to_status"] is None
    assert await status("viga@example.ee") is None
    assert (await act("lahkus@example.ee", "remove")).status == 409
    assert (await act("viga@example.ee", "block")).status == 404

    # Another network's coordinator sees and changes nothing; odd ids are simply not found.
    other = mailing.api.as_(latvian)
    path = f"/v1/lists/ee-uudised/members/{ids['tagasi@example.ee']}"
    assert (await other.get(path)).status == 403
    assert (await other.post(f"{path}/block", json=WHY)).status == 403
    assert (await api.get("/v1/lists/ee-uudised/members/99999999")).status == 404

    # The member's page: status, suppression, and what was done, by whom and why.
    page = (await api.get(f"/v1/lists/ee-uudised/members/{ids['ootab@example.ee']}")).json
    assert page["status"] == "pending"
    assert [(h["action"], h["from_status"], h["to_status"]) for h in page["history"]] == [
        ("block", "pending", "blocked"),
        ("reinstate", "blocked", "pending"),
    ]
    assert {h["by"] for h in page["history"]} == {f"account:{editor_id} madis@example.ee"}
    kinni = (await api.get(f"/v1/lists/ee-uudised/members/{ids['kinni@example.ee']}")).json
    assert kinni["suppression"]["reason"] == "hard-bounce"
    assert kinni["suppression"]["status"] == "5.1.1"

    # The person's own export shows what the list's editors did, and why.
    link = await owner_link(mailing, conn, "ootab@example.ee", "ee-uudised")
    mine = (await mailing.api.get(f"{link}/export.json")).json
    assert [(c["list"], c["action"], c["reason"]) for c in mine["changes"]] == [
        ("ee-uudised", "block", "asked at the Tartu seminar"),
        ("ee-uudised", "reinstate", "asked at the Tartu seminar"),
    ]
    assert "by" not in mine["changes"][0]
