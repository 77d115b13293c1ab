"""Importing .vcf files: real-world shapes, broken cards, matching, and a lossless round trip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "vcards"
ROOT = Path(__file__).resolve().parents[2]


async def import_file(services: Pair, token: str, name: str, query: str) -> dict[str, Any]:
    """POST a sample file to the import endpoint."""
    reply = await services.directory.as_(token).post(
        f"/v1/contacts/import?{query}",
        data=(SAMPLES / name).read_bytes(),
        headers={"Content-Type": "text/vcard"},
    )
    assert reply.status == 200, reply.text
    result: dict[str, Any] = reply.json
    return result


async def find(services: Pair, token: str, report: dict[str, Any], card: int = 0) -> dict[str, Any]:
    """The contact a card of an import report became (as an admin sees it)."""
    reply = await services.directory.as_(token).get(
        f"/v1/contacts/{report['cards'][card]['contact']}"
    )
    contact: dict[str, Any] = reply.json
    return contact


async def test_samples_from_phones_and_mail_clients(services: Pair, admin_token: str) -> None:
    iphone = await import_file(services, admin_token, "iphone.vcf", "network=lt&lang=lt")
    assert iphone["cards"][0]["status"] == "created"
    lina = await find(services, admin_token, iphone)
    assert lina["organisation"]["slug"] == "diversity-development-group"  # matched by name
    assert lina["titles"] == {"lt": "Direktorė"}
    assert [(p["e164"], p["kind"]) for p in lina["phones"]] == [
        ("+37060766902", "cell"),
        ("+37052123456", "work"),
    ]
    assert lina["emails"] == ["lina.k@example.lt"]
    assert lina["links"] == [{"url": "https://example.lt/dg", "label": None}]

    android = await import_file(services, admin_token, "android.vcf", "network=lv")
    assert [c["status"] for c in android["cards"]] == ["created", "created"]
    daina = await find(services, admin_token, android)
    assert daina["family_name"] == "Mežecka"  # quoted-printable UTF-8, soft line break
    assert daina["organisation"]["slug"] == "social-integration-foundation"

    outlook = await import_file(services, admin_token, "outlook.vcf", "network=lt&lang=en")
    assert outlook["cards"][0]["status"] == "created"
    vida = await find(services, admin_token, outlook)
    assert vida["family_name"] == "Gintautaitė"

    thunderbird = await import_file(services, admin_token, "thunderbird.vcf", "network=lv&lang=lv")
    agnese = await find(services, admin_token, thunderbird)
    assert agnese["uid"] == "0b6b7a2e-8e2f-4a0a-9d1e-5b2a6c9f3d11"
    assert [p["e164"] for p in agnese["phones"]] == ["+37167039252", "+37120000001"]
    assert thunderbird["created"] == 1

    again = await import_file(services, admin_token, "thunderbird.vcf", "network=lv&lang=lv")
    assert again["cards"][0]["status"] == "updated"  # by UID
    iphone_again = await import_file(services, admin_token, "iphone.vcf", "network=lt&lang=lt")
    assert iphone_again["cards"][0]["status"] == "updated"  # by e-mail
    assert iphone_again["cards"][0]["contact"] == lina["id"]  # the same contact, no duplicate


async def test_broken_cards_are_rejected_with_reasons(services: Pair, admin_token: str) -> None:
    report = await import_file(services, admin_token, "broken.vcf", "network=ee")
    statuses = [c["status"] for c in report["cards"]]
    assert statuses == ["rejected", "rejected", "created", "rejected"]
    first = {e["field"] for e in report["cards"][0]["errors"]}
    assert {"phones[0].number", "emails[0]"} <= first
    assert "neither FN nor N" in report["cards"][1]["errors"][0]["message"]
    assert report["cards"][3]["name"] == "Cut Off"
    assert "END:VCARD is missing" in report["cards"][3]["errors"][0]["message"]
    assert report["created"] == 1


async def test_round_trip_keeps_every_field(
    services: Pair, admin_token: str, conn: asyncpg.Connection
) -> None:
    original = {
        "given_name": "Žydrūnė Ieva",
        "family_name": "Kisevičienė-Mežecka",
        "titles": {"lv": "Vecākā padomniece; integrācija, valodas \\ kultūra"},
        "organisation": "providus",
        "phones": ["+371 293 94399", {"number": "+371 6 7039 252", "kind": "work"}],
        "emails": ["zydrune.k@example.lv", "ieva.m@example.lv"],
        "links": ["https://providus.lv/lv/projekti", "https://example.lv/ž"],
        "networks": ["lv", "lt"],
    }
    created = await services.directory.as_(admin_token).post("/v1/contacts", json=original)
    assert created.status == 201, created.text
    before = created.json
    for fmt in ("3.0", "4.0"):
        exported = await services.vcard.as_(admin_token).get(
            f"/v1/contacts/{before['id']}.vcf?lang=lv&format={fmt}"
        )
        await conn.execute("DELETE FROM contacts WHERE id = $1", before["id"])
        report = await services.directory.as_(admin_token).post(
            "/v1/contacts/import?lang=lv",
            data=exported.body,
            headers={"Content-Type": "text/vcard"},
        )
        assert report.json["cards"][0]["status"] == "created", report.text
        after = (
            await services.directory.as_(admin_token).get(
                f"/v1/contacts/{report.json['cards'][0]['contact']}"
            )
        ).json
        for key in (
            "uid",
            "given_name",
            "family_name",
            "display_name",
            "titles",
            "emails",
            "links",
        ):
            assert after[key] == before[key], (fmt, key)
        assert after["organisation"]["slug"] == "providus"
        assert [(p["e164"], p["kind"]) for p in after["phones"]] == [
            (p["e164"], p["kind"]) for p in before["phones"]
        ]
        assert sorted(n["network"] for n in after["networks"]) == ["lt", "lv"]
        before = after


async def test_import_checks_permissions_and_input(
    services: Pair, make_account: MakeAccount
) -> None:
    _, lv = await make_account("lv@example.org", permissions={"lv": ("edit_contacts",)})
    api = services.directory.as_(lv)
    body = (SAMPLES / "outlook.vcf").read_bytes()
    vcard = {"Content-Type": "text/vcard"}
    assert (
        await api.post("/v1/contacts/import?network=ee", data=body, headers=vcard)
    ).status == 403
    assert (await api.post("/v1/contacts/import", data=body, headers=vcard)).problem_fields() == [
        "network"
    ]
    assert (await api.post("/v1/contacts/import?network=lv", json={"x": 1})).status == 400
    ok = await api.post("/v1/contacts/import?network=lv", data=body, headers=vcard)
    assert ok.json["created"] == 1
    # A card whose CATEGORIES name a network the coordinator does not edit is refused.
    foreign = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X Y\r\nN:Y;X;;;\r\nCATEGORIES:Eesti\r\nEND:VCARD\r\n"
    )
    refused = await api.post("/v1/contacts/import?network=lv", data=foreign, headers=vcard)
    assert refused.json["cards"][0]["status"] == "rejected"


def test_cli_imports_a_vcf_file(db_url: str) -> None:
    env = dict(os.environ, KONTAKT_DATABASE_URL=db_url)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.directory.cli",
            "import-vcf",
            str(SAMPLES / "broken.vcf"),
            "--network",
            "ee",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert "created 1, updated 0, rejected 3" in run.stdout
    assert "card 4 (Cut Off): rejected - the card is cut off" in run.stdout
