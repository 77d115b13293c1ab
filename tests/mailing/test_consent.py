"""Consent that cannot be laundered, and CSV files as spreadsheets in four locales save them."""

from __future__ import annotations

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.forms import subscribe_by_form
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, people
from tests.support.preferences import owner_link

pytestmark = pytest.mark.usefixtures("demo")
CSV = {"Content-Type": "text/csv"}
LV_LIST = EE_LIST | {"slug": "ee-teine", "names": {"et": "Teine"}}


async def editor(mailing: Mailing, make_account: MakeAccount) -> str:
    """A coordinator of the Estonian network with two lists."""
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    for data in (EE_LIST, LV_LIST):
        assert (await mailing.api.as_(token).post("/v1/lists", json=data)).status == 201
    return token


async def test_an_export_imported_again_changes_nothing_and_keeps_every_status(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    api = mailing.api.as_(await editor(mailing, make_account))
    await people(
        conn,
        "ee-uudised",
        [
            ("waiting@example.ee", "", "pending"),
            ("left@example.ee", "", "unsubscribed"),
            ("yes@example.ee", "", "confirmed"),
            ("angry@example.ee", "", "complained"),
        ],
    )
    exported = (await api.get("/v1/lists/ee-uudised/export.csv")).text.encode()
    # Without a consent statement nothing about consent is claimed: statuses alone suffice
    # only when no row would be confirmed.
    refused = await api.post("/v1/lists/ee-uudised/import", data=exported, headers=CSV)
    assert refused.problem_fields() == ["consent"]
    again = await api.post("/v1/lists/ee-uudised/import?consent=export", data=exported, headers=CSV)
    assert again.json | {"rejected": []} == {
        "rows": 4, "created": 0, "confirmed": 0, "opted_out": 0, "unchanged": 4, "rejected": [],
        "ignored_columns": [],
    }  # fmt: skip
    into_other = await api.post(
        "/v1/lists/ee-teine/import?consent=from+the+main+list", data=exported, headers=CSV
    )
    assert into_other.json["created"] == 4
    statuses = {
        (m["email"]): m["status"]
        for m in (await api.get("/v1/lists/ee-teine/members")).json["items"]
    }
    assert statuses == {
        "waiting@example.ee": "pending",
        "left@example.ee": "unsubscribed",
        "yes@example.ee": "confirmed",
        "angry@example.ee": "complained",
    }
    consent = await conn.fetchval(
        "SELECT s.consent FROM mailing.subscriptions s JOIN mailing.lists l ON l.id = s.list_id "
        "JOIN mailing.subscribers b ON b.id = s.subscriber_id "
        "WHERE l.slug = 'ee-teine' AND b.email = 'yes@example.ee'"
    )
    assert consent["source"] == "import"
    assert consent["statement"] == "from the main list"
    stated = await conn.fetchval(
        "SELECT consent FROM mailing.imports WHERE id = $1", consent["import"]
    )
    assert stated == "from the main list"


async def test_spreadsheet_files_in_baltic_locales(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    api = mailing.api.as_(await editor(mailing, make_account))
    url = "/v1/lists/ee-uudised/import?consent=paper+form"
    # Excel's "CSV UTF-8" in an Estonian locale: a byte-order mark, `;`, Estonian headers.
    estonian = "\ufeffE-post;Nimi;Keel\r\njoemets@example.ee;Jõemets;Eesti\r\nbad;X;et\r\n"
    report = await api.post(url, data=estonian.encode(), headers=CSV)
    assert report.json["created"] == 1
    assert [(r["row"], r["field"]) for r in report.json["rejected"]] == [(3, "email")]
    latvian = "E-pasts\tVārds\nmezecka@example.lv\tMežecka\n"
    assert (await api.post(url, data=latvian.encode(), headers=CSV)).json["created"] == 1
    lithuanian = "El. pašto adresas,Vardas,Būsena\nkiseviciene@example.lt,Kisevičienė,pending\n"
    assert (await api.post(url, data=lithuanian.encode(), headers=CSV)).json["created"] == 1
    # A status column under a name nobody recognises is named, not silently ignored.
    odd = "email;Subscription state\r\nodd@example.ee;unsubscribed\r\n"
    named = (await api.post(url, data=odd.encode(), headers=CSV)).json
    assert named["ignored_columns"] == ["Subscription state"]
    # Given and family names in two columns, as an address book export has them.
    parts = "E. paštas;Vardas;Pavardė\r\nzydrune@example.lt;Žydrūnė;Kisevičienė\r\n"
    assert (await api.post(url, data=parts.encode(), headers=CSV)).json["created"] == 1
    members = {m["email"]: m for m in (await api.get("/v1/lists/ee-uudised/members")).json["items"]}
    assert members["joemets@example.ee"]["name"] == "Jõemets"
    assert members["joemets@example.ee"]["lang"] == "et"
    assert members["mezecka@example.lv"]["name"] == "Mežecka"
    assert members["kiseviciene@example.lt"]["status"] == "pending"
    assert members["zydrune@example.lt"]["name"] == "Žydrūnė Kisevičienė"
    # Excel's plain "CSV" in a Baltic locale is Windows-1257: refused, the encoding named.
    legacy = "email;name\r\njoemets@example.ee;Jõemets\r\n".encode("cp1257")
    refused = await api.post(url, data=legacy, headers=CSV)
    assert refused.status == 400
    assert "Windows-1257" in refused.json["detail"]
    assert "line 2" in refused.json["detail"]
    utf16 = "email\r\nx@example.ee\r\n".encode("utf-16")
    assert "UTF-16" in (await api.post(url, data=utf16, headers=CSV)).json["detail"]


async def test_the_excel_export_opens_in_baltic_excel_and_imports_back_unchanged(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    api = mailing.api.as_(await editor(mailing, make_account))
    await people(
        conn,
        "ee-uudised",
        [
            ("zydrune@example.lt", "Žydrūnė Kisevičienė", "confirmed"),
            ("mezecka@example.lv", '=HYPERLINK("x";"Mežecka")', "unsubscribed"),
        ],
    )
    excel = await api.get("/v1/lists/ee-uudised/export.csv?dialect=excel")
    assert excel.headers["Content-Type"] == "text/csv; charset=utf-8"
    # Excel needs the byte-order mark to read UTF-8, and splits cells at the region's `;`.
    assert excel.body.startswith(b'\xef\xbb\xbf"email";"name";"lang";"status"')
    assert '"zydrune@example.lt";"Žydrūnė Kisevičienė";"et";"confirmed"' in excel.text
    assert '"\'=HYPERLINK(""x"";""Mežecka"")"' in excel.text  # never run as a formula
    again = await api.post(
        "/v1/lists/ee-uudised/import?consent=export", data=excel.body, headers=CSV
    )
    assert (again.json["unchanged"], again.json["rejected"]) == (2, [])
    plain = await api.get("/v1/lists/ee-uudised/export.csv")
    assert plain.body.startswith(b'"email","name"')
    refused = await api.get("/v1/lists/ee-uudised/export.csv?dialect=lotus")
    assert refused.problem_fields() == ["dialect"]


async def test_resubscribing_sends_a_fresh_confirmation_and_consent_is_recorded(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    await editor(mailing, make_account)
    await subscribe_by_form(mailing, "ee-uudised", "again@example.ee")
    confirm = mailing.links("/confirm/")[0]
    page = await mailing.api.post(confirm, data={})
    assert page.status == 200
    subscriber = await conn.fetchval(
        "SELECT id FROM mailing.subscribers WHERE email = 'again@example.ee'"
    )
    link = await owner_link(mailing, conn, "again@example.ee", "ee-uudised")
    exported = await mailing.api.get(f"{link}/export.json")
    consent = exported.json["subscriptions"][0]["consent"]
    assert consent["source"] == "double-opt-in"
    assert consent["requested_via"] == "form"
    assert consent["confirmed_from"] == "127.0.0.1"
    assert "again@example.ee" in consent["text_shown"]
    assert consent["confirmed_at"]
    await conn.execute(
        "UPDATE mailing.subscriptions SET status = 'unsubscribed' WHERE subscriber_id = $1",
        subscriber,
    )
    # Within the hour of the first mail: a new wish gets its own confirmation.
    await subscribe_by_form(mailing, "ee-uudised", "again@example.ee")
    assert len(mailing.links("/confirm/")) == 2
    # Mail that bounced (the address not suppressed): the person's own new wish is confirmed
    # afresh, which proves the mailbox works; a block by the list's editors stays a block.
    await conn.execute(
        "UPDATE mailing.subscriptions SET status = 'bounced' WHERE subscriber_id = $1", subscriber
    )
    await subscribe_by_form(mailing, "ee-uudised", "again@example.ee")
    assert len(mailing.links("/confirm/")) == 3
    await conn.execute(
        "UPDATE mailing.subscriptions SET status = 'blocked' WHERE subscriber_id = $1", subscriber
    )
    await subscribe_by_form(mailing, "ee-uudised", "again@example.ee")
    assert len(mailing.links("/confirm/")) == 3
