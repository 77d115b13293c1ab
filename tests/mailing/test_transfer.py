"""Subscriber CSV import and export: a report per row, safe to repeat, opt-outs respected."""

from __future__ import annotations

import csv
import io
import json

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, people

pytestmark = pytest.mark.usefixtures("demo")
IMPORT = "/v1/lists/ee-uudised/import?consent=signed+up+at+the+Tartu+seminar"

CSV = (
    "email,name,lang\r\n"
    "zydrune@example.ee,Žydrūnė Jõemets,et\r\n"
    "Daina@Example.LV,Daina Mežecka,lv\r\n"
    "not-an-address,Nobody,et\r\n"
    "zydrune@example.ee,Twice,et\r\n"
    "optout@example.ee,Left Us,xx\r\n"
    "optout@example.ee,Left Us,et\r\n"
)


async def test_import_reports_rows_is_idempotent_and_keeps_opt_outs(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    api = mailing.api.as_(token)
    await api.post("/v1/lists", json=EE_LIST)
    await people(conn, "ee-uudised", [("optout@example.ee", "", "unsubscribed")])
    headers = {"Content-Type": "text/csv"}
    report = await api.post(IMPORT, data=CSV.encode(), headers=headers)
    assert report.status == 200
    assert report.json["created"] == 2
    assert report.json["unchanged"] == 1  # the opt-out stays an opt-out
    # Rows as the spreadsheet numbers them: the header is row 1.
    assert [(r["row"], r["field"]) for r in report.json["rejected"]] == [
        (4, "email"),
        (5, "email"),
        (6, "lang"),
    ]
    again = await api.post(IMPORT, data=CSV.encode(), headers=headers)
    assert again.json["created"] == 0
    assert again.json["unchanged"] == 3
    members = {m["email"]: m for m in (await api.get("/v1/lists/ee-uudised/members")).json["items"]}
    assert members["Daina@example.lv"]["status"] == "confirmed"
    assert members["optout@example.ee"]["status"] == "unsubscribed"
    assert members["zydrune@example.ee"]["name"] == "Žydrūnė Jõemets"

    progress = await api.post(
        IMPORT,
        data=CSV.encode(),
        headers={"Content-Type": "text/csv", "Accept": "application/x-ndjson"},
    )
    lines = [json.loads(line) for line in progress.text.splitlines()]
    assert lines[0] == {"progress": 3, "total": 3}
    assert lines[-1]["report"]["unchanged"] == 3

    exported = await api.get("/v1/lists/ee-uudised/export.csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["email"]: r["status"] for r in rows} == {
        "optout@example.ee": "unsubscribed",
        "zydrune@example.ee": "confirmed",
        "Daina@example.lv": "confirmed",
    }
    assert "Žydrūnė Jõemets" in exported.text


async def test_large_import_and_permissions(mailing: Mailing, make_account: MakeAccount) -> None:
    _, ee = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    _, lv = await make_account("lv@example.lv", permissions={"lv": ("manage_lists",)})
    await mailing.api.as_(ee).post("/v1/lists", json=EE_LIST)
    body = "email,name\r\n" + "".join(f"reader{i}@example.ee,Lugeja {i}\r\n" for i in range(5000))
    report = await mailing.api.as_(ee).post(
        IMPORT, data=body.encode(), headers={"Content-Type": "text/csv"}
    )
    assert report.json["created"] == 5000
    assert (
        await mailing.api.as_(lv).post(
            IMPORT, data=body.encode(), headers={"Content-Type": "text/csv"}
        )
    ).status == 403
    assert (await mailing.api.as_(lv).get("/v1/lists/ee-uudised/export.csv")).status == 403
    no_header = await mailing.api.as_(ee).post(
        IMPORT, data=b"a@b.ee\r\n", headers={"Content-Type": "text/csv"}
    )
    assert no_header.status == 400
