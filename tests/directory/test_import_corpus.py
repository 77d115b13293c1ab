"""The import corpus: files in the shapes phones and mail programs write, and what is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Api

pytestmark = pytest.mark.usefixtures("demo")

CORPUS = Path(__file__).resolve().parents[1] / "samples" / "imports"

Phone = tuple[str | None, str, str, str | None]  # E.164, as written, kind, extension


async def post_file(
    api: Api, name: str, query: str, content_type: str = "text/vcard"
) -> dict[str, Any]:
    """Import one corpus file; its report."""
    reply = await api.post(
        f"/v1/contacts/import?{query}",
        data=(CORPUS / name).read_bytes(),
        headers={"Content-Type": content_type},
    )
    assert reply.status == 200, reply.text
    report: dict[str, Any] = reply.json
    return report


async def stored(api: Api, contact_id: int) -> dict[str, Any]:
    """What the directory keeps of a contact, in the terms the tests compare."""
    found = (await api.get(f"/v1/contacts/{contact_id}")).json
    return {
        "name": (found["given_name"], found["family_name"], found["display_name"]),
        "titles": found["titles"],
        "organisation": found["organisation"]["names"] if found["organisation"] else None,
        "phones": [(p["e164"], p["written"], p["kind"], p["extension"]) for p in found["phones"]],
        "emails": found["emails"],
        "links": [link["url"] for link in found["links"]],
        "networks": [(n["network"], n["role"]) for n in found["networks"]],
    }


def person(
    given: str,
    family: str,
    *,
    display: str | None = None,
    titles: dict[str, str] | None = None,
    organisation: dict[str, str] | None = None,
    phones: list[Phone] | None = None,
    emails: list[str] | None = None,
    links: list[str] | None = None,
    networks: list[tuple[str, str]],
) -> dict[str, Any]:
    """The expected stored contact."""
    return {
        "name": (given, family, display or f"{given} {family}".strip()),
        "titles": titles or {},
        "organisation": organisation,
        "phones": phones or [],
        "emails": emails or [],
        "links": links or [],
        "networks": networks,
    }


# file, query, then per card: status, what was dropped, and the stored contact (None: not one)
CASES: list[tuple[str, str, list[tuple[str, list[str], dict[str, Any] | None]]]] = [
    (
        "iphone-ios.vcf",
        "network=lt&lang=lt",
        [
            (
                "created",
                ["phone_labels", "address", "birthday", "note", "photo"],
                person(
                    "Lina",
                    "Kisevičienė",
                    titles={"lt": "Direktorė"},
                    organisation={"en": "Diversity Development Group"},  # found by name
                    phones=[
                        ("+37060766902", "+370 607 66902", "cell", None),  # listed twice
                        ("+37052123456", "8 5 212 3456", "work", None),  # national, Lithuania
                        ("+37052129999", "+370 5 212 9999", "work", None),
                    ],
                    emails=["lina.k@example.lt"],
                    links=["https://example.lt/dg"],
                    networks=[("lt", "member")],
                ),
            ),
            (
                "created",
                [],
                person(
                    "",
                    "",
                    display="Vilniaus miesto savivaldybė",
                    organisation={"lt": "Vilniaus miesto savivaldybė"},
                    phones=[("+37052112000", "+370 5 211 2000", "work", None)],
                    networks=[("lt", "member")],
                ),
            ),
        ],
    ),
    (
        "android.vcf",
        "network=lv&lang=lv",
        [
            (
                "created",
                ["nickname", "photo"],
                person(
                    "Daina",
                    "Mežecka",
                    titles={"lv": "Projektu vadītāja"},
                    organisation={"lv": "Sabiedrības integrācijas fonds, Rīga"},
                    phones=[
                        ("+37129394399", "293 94399", "cell", None),
                        ("+37167039253", "+371 6703 9253", "fax", None),
                    ],
                    emails=["daina.m@example.lv"],
                    networks=[("lv", "member")],
                ),
            ),
            (
                "created",
                [],
                person(
                    "Jānis",
                    "Bērziņš",
                    phones=[("+37120000002", "+37120000002", "cell", None)],
                    networks=[("lv", "member")],
                ),
            ),
        ],
    ),
    (
        "google.vcf",
        "network=ee&lang=et",
        [
            (
                "created",
                ["other_categories"],
                person(
                    "Madis",
                    "Kanarbik",
                    titles={"et": "Juhataja"},
                    organisation={
                        "en": "Nordic Council of Ministers Branch Office in Tartu",
                        "et": "Põhjamaade Ministrite Nõukogu Tartu filiaal",
                    },
                    phones=[
                        ("+3725046570", "5046570", "cell", None),
                        ("+3727423625", "7423 625", "work", None),
                    ],
                    emails=["madis.k@example.ee"],
                    links=["http://www.norden.ee"],
                    networks=[("ee", "member")],
                ),
            )
        ],
    ),
    (
        "outlook-2.1-windows-1257.vcf",
        "network=lt&lang=lt",
        [
            (
                "created",
                ["department", "address", "messaging", "photo"],
                person(
                    "Aistė",
                    "Kiseliūnienė",
                    titles={"lt": "Vyriausioji specialistė"},
                    organisation={"lt": "Acme, Inc."},
                    phones=[
                        ("+37052000009", "+370 5 200 0009 ext. 5555", "work", "5555"),
                        ("+37061234567", "8 612 34567", "cell", None),
                    ],
                    emails=["aiste.k@example.lt"],
                    links=["http://www.acme.example"],
                    networks=[("lt", "member")],
                ),
            )
        ],
    ),
    (
        "outlook-3.0.vcf",
        "network=lt&lang=lt",
        [
            (
                "created",
                ["address", "messaging", "photo"],
                person(
                    "Vida",
                    "Gintautaitė",
                    titles={"lt": "Patarėja"},
                    organisation={"lt": "Šiaurės šalių ministrų taryba, Vilnius"},
                    phones=[
                        ("+37068527738", "+370 685 27738", "work", None),
                        ("+37052610001", "+370 5 261 0001", "fax", None),
                    ],
                    emails=["vida.g@example.lt"],
                    networks=[("lt", "member")],
                ),
            )
        ],
    ),
    (
        "thunderbird-legacy.vcf",
        "network=ee&lang=et",
        [
            (
                "created",
                ["note"],
                person(
                    "Viivian",
                    "Jõemets",
                    titles={"et": "Peaekspert"},
                    organisation={
                        "en": "Estonian Ministry of Education and Research",
                        "et": "Haridus- ja Teadusministeerium",
                    },
                    phones=[
                        ("+3727350222", "+372 735 0222", "work", None),
                        ("+37255551234", "5555 1234", "cell", None),  # national, Estonia
                    ],
                    emails=["viivian.j@example.ee"],
                    networks=[("ee", "member")],
                ),
            )
        ],
    ),
    (
        "thunderbird-cardbook-4.0.vcf",
        "network=lv&lang=lv",
        [
            (
                "created",
                ["note", "other_categories"],
                person(
                    "Agnese",
                    "Lāce",
                    titles={"lv": "Pētniece"},
                    organisation={"en": "Providus"},
                    phones=[
                        ("+37167039252", "+371 6 7039 252", "work", None),
                        ("+37052000009", "+370-5-200-0009 ext. 5555", "work", "5555"),
                        ("+37120000001", "+37120000001", "cell", None),
                    ],
                    emails=["agnese.l@example.lv"],
                    links=["https://providus.lv"],
                    networks=[("lv", "member")],
                ),
            )
        ],
    ),
    (
        "windows-contacts.vcf",
        "network=ee&lang=et",
        [
            (
                "created",
                ["note", "address", "gender"],
                person(
                    "Janika",
                    "Hango",
                    titles={"et": "Koordinaator"},
                    organisation={"en": "Tartu Welcome Centre", "et": "Tartu Welcome Centre"},
                    phones=[
                        ("+3727442000", "+372 744 2000", "work", None),
                        ("+3727442001", "+372 744 2001", "home", None),
                    ],
                    emails=["janika.h@example.ee"],
                    networks=[("ee", "member")],
                ),
            )
        ],
    ),
    (
        "macos-utf16.vcf",
        "network=lv&lang=lv",
        [
            (
                "created",
                [],
                person(
                    "Ģirts",
                    "Ķēniņš",
                    organisation={"lv": "Latvijas Republikas Kultūras ministrija"},
                    phones=[("+37167330200", "+371 6 7330 200", "fax", None)],
                    emails=["girts.k@example.lv"],
                    networks=[("lv", "member")],
                ),
            ),
            ("skipped", ["group_members"], None),
        ],
    ),
    (
        "evolution.vcf",
        "network=lv&lang=lv",
        [
            (
                "created",
                [],
                person(
                    "Žaneta",  # sent decomposed (NFD), stored composed
                    "Ščerbinska",
                    titles={
                        "lv": "Vecākā padomniece sabiedrības integrācijas un kultūras "
                        "daudzveidības jautājumos"  # folded inside "ū", by octets
                    },
                    phones=[("+37167035400", "+371 6 7035 400", "work", None)],
                    emails=["zaneta.s@example.lv"],
                    networks=[("lv", "member")],
                ),
            )
        ],
    ),
]


@pytest.mark.parametrize(("name", "query", "cards"), CASES, ids=[c[0] for c in CASES])
async def test_each_file_is_stored_exactly(
    directory: Api,
    admin_token: str,
    name: str,
    query: str,
    cards: list[tuple[str, list[str], dict[str, Any] | None]],
) -> None:
    api = directory.as_(admin_token)
    report = await post_file(api, name, query)
    assert [i["status"] for i in report["items"]] == [c[0] for c in cards], report
    for item, (_, dropped, expected) in zip(report["items"], cards, strict=True):
        assert item["dropped"] == dropped, item
        assert not item["errors"], item
        if expected is not None:
            assert item["name"] == expected["name"][2]  # decoded, never raw QP
            assert await stored(api, item["contact"]) == expected
    # The same file again finds every card it made, and changes nothing.
    again = await post_file(api, name, query)
    assert [i["status"] for i in again["items"]] == [
        "unchanged" if status == "created" else status for status, _, _ in cards
    ]
    assert [i["contact"] for i in again["items"]] == [i["contact"] for i in report["items"]]
