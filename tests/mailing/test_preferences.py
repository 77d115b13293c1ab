"""The subscriber's page: safe to forward, revocable, unframeable, erasure asked twice.

The link in a newsletter can only leave that list or mail a fresh link to the address;
the fresh link (an hour, revocable) opens every list, the export and erasure.
"""

from __future__ import annotations

import asyncpg
import pytest

from services.mailing.links import LEGACY_TTL
from shared.signing import Keys
from tests.conftest import MakeAccount
from tests.support.mailing import Mailing, StartMailing
from tests.support.observe import drained
from tests.support.preferences import manage_link, newsletter_link, owner_link, states

pytestmark = pytest.mark.usefixtures("demo")


async def test_a_forwarded_newsletter_can_only_leave_its_list_or_mail_the_owner(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    entry = await newsletter_link(mailing, make_account, conn)
    page = await mailing.api.get(entry + "?lang=et")
    assert page.status == 200
    assert "FOR-IN Eesti uudiskiri" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    # Whoever holds the forwarded mail sees neither the address nor the other lists...
    assert "mari@example.ee" not in page.text
    assert "Teabepäevad" not in page.text
    # ...and can neither read the data export nor erase anyone nor leave every list.
    assert (await mailing.api.get(entry + "/export.json")).status == 404
    assert (await mailing.api.post(entry + "/erase", data={"confirm": "yes"})).status == 404
    assert (await mailing.api.post(entry + "/unsubscribe", data={"list": "x"})).status == 200
    assert await states(conn) == {"ee-uudised": "unsubscribed", "ee-teabepaevad": "confirmed"}
    # Asking for the whole page mails a link to the address itself.
    asked = await mailing.api.post(entry + "/link", data={"lang": "et"})
    assert asked.status == 200
    assert "on link teel" in asked.text
    await drained(mailing.settings.database_url or "", "mailing.outbox")
    assert [m.rcpt_to for m in mailing.sink.messages] == [["mari@example.ee"]]
    assert len(mailing.links("/manage/")) == 1
    # Pressing again at once gives the same answer and sends nothing more.
    again = await mailing.api.post(entry + "/link", data={"lang": "et"})
    assert again.text == asked.text
    await drained(mailing.settings.database_url or "", "mailing.outbox")
    assert len(mailing.sink.messages) == 1


async def test_the_mailed_link_manages_exports_erases_after_asking_and_can_be_ended(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    entry = await newsletter_link(mailing, make_account, conn)
    link = await manage_link(mailing, entry)
    page = await mailing.api.get(link + "?lang=et")
    assert page.status == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "Te saate uudiskirja FOR-IN Eesti uudiskiri." in page.text
    assert "Te saate uudiskirja Teabepäevad." in page.text
    left = await mailing.api.post(
        link + "/unsubscribe", data={"list": "ee-teabepaevad", "lang": "et"}
    )
    assert "Olete uudiskirja Teabepäevad tellimusest loobunud." in left.text
    data = (await mailing.api.get(link + "/export.json")).json
    assert data["email"] == "mari@example.ee"
    assert {s["list"]: s["status"] for s in data["subscriptions"]} == {
        "ee-uudised": "confirmed",
        "ee-teabepaevad": "unsubscribed",
    }
    assert data["deliveries"][0]["status"] == "sent"
    # Erasure asks once more: the first press erases nothing.
    asked = await mailing.api.post(link + "/erase", data={"lang": "et"})
    assert asked.status == 200
    assert "Jah, kustuta minu andmed" in asked.text
    assert asked.headers["X-Frame-Options"] == "DENY"
    assert await conn.fetchval("SELECT count(*) FROM mailing.subscribers") == 1
    erased = await mailing.api.post(link + "/erase", data={"lang": "et", "confirm": "yes"})
    assert "Teie andmed on kustutatud." in erased.text
    assert await conn.fetchval("SELECT count(*) FROM mailing.subscribers") == 0
    assert await conn.fetchval("SELECT count(*) FROM mailing.deliveries") == 0
    assert await conn.fetchval("SELECT count(*) FROM mailing.preference_links") == 0
    assert (await mailing.api.get(link)).status == 404
    # The newsletter's link now says only that it no longer works.
    gone = await mailing.api.get(entry)
    assert gone.status == 404
    assert "FOR-IN" not in gone.text


async def test_ending_the_links_ends_mailed_and_newsletter_links_and_an_hour_ends_a_link(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    entry = await newsletter_link(mailing, make_account, conn)
    link = await manage_link(mailing, entry)
    key_hash = await conn.fetchval("SELECT key_hash FROM mailing.preference_links")
    assert link.rsplit("/", 1)[1].encode() not in key_hash  # only a hash is kept
    ended = await mailing.api.post(link + "/end", data={"lang": "et"})
    assert "Need lingid enam ei tööta." in ended.text
    for path in (link, link + "/export.json", entry):
        assert (await mailing.api.get(path)).status == 404, path
    assert (await mailing.api.post(entry + "/link", data={})).status == 404
    assert (await mailing.api.post(link + "/erase", data={"confirm": "yes"})).status == 404
    assert await conn.fetchval("SELECT count(*) FROM mailing.subscribers") == 1
    # Later, the next newsletter's link works again, and so does a link it mails.
    await conn.execute(
        "UPDATE mailing.subscribers SET links_ended_at = now() - interval '10 min', "
        "link_mailed_at = now() - interval '10 min'"
    )
    fresh = await owner_link(mailing, conn, "mari@example.ee", "ee-uudised")
    assert (await mailing.api.get(fresh)).status == 200
    # An hour later it no longer does.
    await conn.execute("UPDATE mailing.preference_links SET expires_at = now() - interval '1 s'")
    assert (await mailing.api.get(fresh)).status == 404


async def test_links_in_older_mail_only_offer_a_mailed_link_and_strangers_are_limited(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """A 10-year link from an older newsletter now only offers to mail a fresh link."""
    mailing = await start_mailing(subscribe_limit=2)
    await newsletter_link(mailing, make_account, conn)
    subscriber = await conn.fetchval("SELECT id FROM mailing.subscribers")
    old = Keys.of(mailing.settings).sign("preferences", {"s": subscriber}, LEGACY_TTL)
    page = await mailing.api.get(f"/preferences/{old}?lang=et")
    assert page.status == 200
    assert "mari@example.ee" not in page.text
    assert "Saada mulle link" in page.text
    assert "Loobu tellimusest" not in page.text  # it names no list to leave
    assert (await mailing.api.get(f"/preferences/{old}/export.json")).status == 404
    assert (await mailing.api.get("/preferences/forged.token")).status == 404
    link = await manage_link(mailing, f"/preferences/{old}")
    assert (await mailing.api.get(link)).status == 200
    # A suppressed address gets no mail at all.
    await conn.execute("UPDATE mailing.subscribers SET link_mailed_at = NULL")
    await conn.execute(
        "INSERT INTO mailing.suppressions (address, reason) VALUES ('mari@example.ee', 'manual')"
    )
    assert (await mailing.api.post(f"/preferences/{old}/link", data={})).status == 200
    await drained(mailing.settings.database_url or "", "mailing.outbox")
    assert len(mailing.links("/manage/")) == 1
    # Every press counts against the client, like the subscribe form.
    limited = await mailing.api.post(f"/preferences/{old}/link", data={"lang": "et"})
    assert limited.status == 429
    assert "Retry-After" in limited.headers


async def test_a_person_who_left_subscribes_again_from_either_page_with_a_confirmation(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    entry = await newsletter_link(mailing, make_account, conn)
    left = await mailing.api.post(entry + "/unsubscribe", data={"lang": "et"})
    assert "Telli uuesti" in left.text
    asked = await mailing.api.post(entry + "/subscribe", data={"lang": "et"})
    assert asked.status == 200
    assert "kinnituslingiga" in asked.text
    await drained(mailing.settings.database_url or "", "mailing.outbox")
    # Nothing changes until the address's owner confirms (the newsletter may be forwarded).
    assert await states(conn) == {"ee-uudised": "pending", "ee-teabepaevad": "confirmed"}
    assert [m.rcpt_to for m in mailing.sink.messages] == [["mari@example.ee"]]
    await mailing.api.post(mailing.links("/confirm/")[-1].split("?")[0], data={})
    assert await states(conn) == {"ee-uudised": "confirmed", "ee-teabepaevad": "confirmed"}
    # The mailed page offers it for every list the person left.
    link = await manage_link(mailing, entry)
    await mailing.api.post(link + "/unsubscribe", data={"list": "ee-teabepaevad", "lang": "et"})
    page = await mailing.api.get(link + "?lang=et")
    assert page.text.count("Telli uuesti") == 1
    again = await mailing.api.post(
        link + "/subscribe", data={"list": "ee-teabepaevad", "lang": "et"}
    )
    assert "kinnituslingiga" in again.text
    assert "Te soovisite saada uudiskirja Teabepäevad." in again.text
    await drained(mailing.settings.database_url or "", "mailing.outbox")
    await mailing.api.post(mailing.links("/confirm/")[-1].split("?")[0], data={})
    assert await states(conn) == {"ee-uudised": "confirmed", "ee-teabepaevad": "confirmed"}
    consent = await conn.fetchval(
        "SELECT consent->>'requested_via' FROM mailing.subscriptions s "
        "JOIN mailing.lists l ON l.id = s.list_id WHERE l.slug = 'ee-teabepaevad'"
    )
    assert consent == "preferences"


async def test_erasing_a_reader_keeps_the_counts_of_the_campaigns_they_received(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """The person's rows go; a sent campaign still says it was sent to them (a count only)."""
    entry = await newsletter_link(mailing, make_account, conn)
    _, auditor = await make_account(
        "auditor@example.ee", permissions={"ee": ("manage_lists", "send_campaigns")}
    )
    campaign = await conn.fetchval("SELECT id FROM mailing.campaigns")
    before = (await mailing.api.as_(auditor).get(f"/v1/campaigns/{campaign}")).json
    assert before["progress"]["sent"] == 1
    timeline = (await mailing.api.as_(auditor).get(f"/v1/campaigns/{campaign}/timeline")).json
    assert sum(timeline["slices"]) == 1
    # A second campaign still on its way to her when she erases herself: nothing is sent.
    await conn.execute(
        "INSERT INTO mailing.campaigns (list_id, subject, body, status) "
        "SELECT list_id, 'Later', 'x', 'paused' FROM mailing.campaigns WHERE id = $1",
        campaign,
    )
    later = await conn.fetchval("SELECT max(id) FROM mailing.campaigns")
    await conn.execute(
        "INSERT INTO mailing.deliveries (campaign_id, subscriber_id) "
        "SELECT $1, id FROM mailing.subscribers",
        later,
    )
    link = await manage_link(mailing, entry)
    erased = await mailing.api.post(link + "/erase", data={"lang": "et", "confirm": "yes"})
    assert "Teie andmed on kustutatud." in erased.text
    assert await conn.fetchval("SELECT count(*) FROM mailing.deliveries") == 0
    after = (await mailing.api.as_(auditor).get(f"/v1/campaigns/{campaign}")).json
    assert after["progress"] == before["progress"]
    # Its chart of deliveries over time still counts her message, at the time it went.
    kept = await mailing.api.as_(auditor).get(f"/v1/campaigns/{campaign}/timeline")
    assert kept.json == timeline
    waiting = (await mailing.api.as_(auditor).get(f"/v1/campaigns/{later}")).json["progress"]
    assert (waiting["queued"], waiting["skipped"], waiting["sent"]) == (0, 1, 0)
