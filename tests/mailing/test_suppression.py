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
from tests.mailing.conftest import Mailing
from tests.mailing.test_campaigns import people, tokens, wait_done
from tests.mailing.test_subscriptions import EE_LIST, subscribe_by_form

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
    assert await reinstate(conn, Q, "gone@example.ee", "the mailbox exists again", by="account:1")
    assert not await is_suppressed(conn, Q, "gone@example.ee")
    assert not await reinstate(conn, Q, "gone@example.ee", "twice")
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
        {"row": 3, "field": "email", "message": "is on the suppression list (manual)"}
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
