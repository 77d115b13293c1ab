"""The installation-wide suppression list, honoured at subscribe, import and send."""

from __future__ import annotations

import asyncpg
import pytest

from services.mailing.paths import MIGRATIONS, QUERIES_DIR, SCHEMA
from services.mailing.returns.suppression import (
    is_suppressed,
    reinstate,
    suppress,
    suppressed_among,
)
from shared.migrate import migrate
from shared.queries import Queries
from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.forms import subscribe_by_form
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, people, tokens

pytestmark = pytest.mark.usefixtures("demo")
Q = Queries.load(QUERIES_DIR)


async def test_the_module_adds_checks_and_reinstates_with_a_history(
    conn: asyncpg.Connection,
) -> None:
    await migrate(conn, SCHEMA, MIGRATIONS)
    evidence = {"status": "5.1.1", "diagnostic": "smtp; 550 5.1.1 no such user"}
    assert await suppress(conn, Q, "Gone@Example.ee", "hard-bounce", evidence, by="intake:lmtp")
    # A second report keeps the first reason and evidence.
    assert not await suppress(conn, Q, "gone@example.EE", "complaint", by="intake:lmtp")
    assert await is_suppressed(conn, Q, "GONE@example.ee")
    assert await suppressed_among(conn, Q, ["x@example.ee", "gone@EXAMPLE.ee"]) == {
        "gone@example.ee": "hard-bounce"
    }
    row = await conn.fetchrow(Q["suppression"], "gone@example.ee")
    assert row is not None
    assert row["reason"] == "hard-bounce"
    assert row["evidence"] == evidence
    with pytest.raises(ValueError, match="reason"):
        await suppress(conn, Q, "x@example.ee", "whim")  # type: ignore[arg-type]
    resumed = await reinstate(
        conn, Q, "gone@example.ee", "the mailbox exists again", by="account:1"
    )
    assert resumed == 0  # the address had no subscription its bounces had stopped
    assert not await is_suppressed(conn, Q, "gone@example.ee")
    assert await reinstate(conn, Q, "gone@example.ee", "twice") is None
    history = await conn.fetch(Q["suppression-history"], "Gone@example.ee")
    assert [(h["action"], h["reason"], h["note"]) for h in history] == [
        ("suppressed", "hard-bounce", ""),
        ("reinstated", "hard-bounce", "the mailbox exists again"),
    ]


async def test_every_list_honours_it_at_subscribe_import_and_send(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    editor, sender = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    await people(
        conn,
        "ee-uudised",
        [("kept@example.ee", "", "confirmed"), ("blocked@example.ee", "", "confirmed")],
    )
    await suppress(conn, Q, "blocked@example.ee", "complaint")
    await suppress(conn, Q, "new@example.ee", "manual")

    # Subscribe: the same answer as for anyone, and no mail.
    answer = await subscribe_by_form(mailing, "ee-uudised", "New@example.ee")
    assert "Aitäh!" in answer
    assert mailing.sink.messages == []

    # Import: the row is reported, the others go on.
    report = await mailing.api.as_(editor).post(
        "/v1/lists/ee-uudised/import?consent=signed+up+on+paper",
        data=b"email\r\nfine@example.ee\r\nNEW@example.ee\r\n",
        headers={"Content-Type": "text/csv"},
    )
    assert report.json["created"] == 1
    assert report.json["rejected"] == [
        {"row": 3, "field": "email", "message": "is on the suppression list (Added by hand)"}
    ]

    # Send: a suppressed subscriber is never queued.
    campaign = (
        await mailing.api.as_(editor).post(
            "/v1/lists/ee-uudised/campaigns", json={"subject": "S", "body": "B"}
        )
    ).json["id"]
    await mailing.api.as_(sender).post(f"/v1/campaigns/{campaign}/send")
    await wait_done(mailing, sender, campaign)
    assert sorted(m.rcpt_to[0] for m in mailing.sink.messages) == [
        "fine@example.ee",
        "kept@example.ee",
    ]


async def test_admins_view_search_add_import_and_reinstate_over_http(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    editor, _ = await tokens(make_account)
    admin_id, admin = await make_account("admin@example.ee", admin=True)
    api = mailing.api.as_(admin)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    # A hard bounce stopped this confirmed reader; an admin will reinstate the address.
    await people(conn, "ee-uudised", [("Vida@example.lt", "", "confirmed")])
    await conn.execute(
        "UPDATE mailing.subscriptions SET status = 'bounced', confirmed_at = '2024-05-01'"
    )
    await suppress(conn, Q, "vida@example.lt", "hard-bounce", {"status": "5.1.1"}, by="intake:lmtp")

    # The list is the installation's: a coordinator neither reads nor changes it.
    for call in (
        mailing.api.as_(editor).get("/v1/suppressions"),
        mailing.api.as_(editor).post("/v1/suppressions", json={"address": "x@example.ee"}),
        mailing.api.as_(editor).get("/v1/suppressions/vida@example.lt"),
    ):
        assert (await call).status == 403
    assert (await mailing.api.get("/v1/suppressions")).status == 401

    added = await api.post(
        "/v1/suppressions", json={"address": "Kisevičienė@example.lt", "note": "asked by phone"}
    )
    assert added.status == 201
    assert added.json["reason"] == "manual"
    assert added.json["evidence"] == {"note": "asked by phone"}
    assert added.json["by"] == f"account:{admin_id} admin@example.ee"
    again = await api.post("/v1/suppressions", json={"address": "kisevičienė@example.lt"})
    assert (again.status, again.json["evidence"]) == (200, {"note": "asked by phone"})
    bad = await api.post("/v1/suppressions", json={"address": "no address", "colour": "red"})
    assert sorted(bad.problem_fields()) == ["address", "colour"]

    # An old provider's list as Excel saves it in Latvia: BOM, `;`, Latvian header.
    file = (
        "\ufeffE-pasts;Vārds\r\n"
        "jaunsvecs@example.lv;Mežecka\r\n"
        "nav-adrese;X\r\n"
        "VIDA@example.lt;Vida\r\n"
        "jaunsvecs@example.lv;Twice\r\n"
        "\r\n"
    )
    report = await api.post(
        "/v1/suppressions/import?note=previous+provider",
        data=file.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert report.json | {"rejected": []} == {
        "rows": 4, "added": 1, "already": 1, "rejected": []
    }  # fmt: skip
    assert [(r["row"], r["field"]) for r in report.json["rejected"]] == [(3, "email"), (5, "email")]
    utf16 = await api.post(
        "/v1/suppressions/import",
        data="email\r\nx@example.ee\r\n".encode("utf-16"),
        headers={"Content-Type": "text/csv"},
    )
    assert (utf16.status, "UTF-16" in utf16.json["detail"]) == (400, True)

    # Search by part of an address or by reason, a page at a time.
    everything = (await api.get("/v1/suppressions")).json
    assert [i["address"] for i in everything["items"]] == [
        "jaunsvecs@example.lv",
        "Kisevičienė@example.lt",
        "vida@example.lt",
    ]
    assert everything["next"] is None
    found = (await api.get("/v1/suppressions?q=KISEVIČ")).json["items"]
    assert [i["address"] for i in found] == ["Kisevičienė@example.lt"]
    imported = (await api.get("/v1/suppressions?reason=imported")).json["items"]
    assert imported[0]["evidence"] == {"note": "previous provider", "source": "import"}
    first = (await api.get("/v1/suppressions?limit=2")).json
    second = (await api.get(f"/v1/suppressions?limit=2&after={first['next']}")).json
    assert [i["address"] for i in first["items"] + second["items"]] == [
        i["address"] for i in everything["items"]
    ]
    assert second["next"] is None
    refused = await api.get("/v1/suppressions?limit=0&after=nonsense&reason=whim")
    assert sorted(refused.problem_fields()) == ["limit", "reason"]
    assert (await api.get("/v1/suppressions?after=bm9uc2Vuc2U")).problem_fields() == ["after"]

    # Reinstating needs a reason; the bounced subscription resumes, and both records keep it.
    no_reason = await api.post("/v1/suppressions/vida@example.lt/reinstate", json={})
    assert no_reason.problem_fields() == ["note"]
    done = await api.post(
        "/v1/suppressions/VIDA@example.lt/reinstate", json={"note": "new mailbox, checked"}
    )
    assert done.json == {"address": "VIDA@example.lt", "reinstated": True, "resumed": 1}
    gone = await api.post("/v1/suppressions/vida@example.lt/reinstate", json={"note": "twice"})
    assert gone.status == 404
    entry = (await api.get("/v1/suppressions/vida@example.lt")).json
    assert entry["suppressed"] is False
    assert entry["entry"] is None
    assert [(h["action"], h["reason"], h["note"], h["by"]) for h in entry["history"]] == [
        ("suppressed", "hard-bounce", "", "intake:lmtp"),
        (
            "reinstated",
            "hard-bounce",
            "new mailbox, checked",
            f"account:{admin_id} admin@example.ee",
        ),
    ]
    assert (await api.get("/v1/suppressions/never@example.ee")).status == 404
    members = (await mailing.api.as_(editor).get("/v1/lists/ee-uudised/members")).json["items"]
    assert [(m["email"], m["status"], m["suppressed"]) for m in members] == [
        ("Vida@example.lt", "confirmed", None)
    ]
    member = await mailing.api.as_(editor).get(f"/v1/lists/ee-uudised/members/{members[0]['id']}")
    assert [
        (h["action"], h["from_status"], h["to_status"], h["reason"]) for h in member.json["history"]
    ] == [("reinstate", "bounced", "confirmed", "new mailbox, checked")]
