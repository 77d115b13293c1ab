"""Import rules: nothing lost in silence, no card takes down another, charsets per value,
no address oracle, dry runs, the size limit without photos, spreadsheets and JSON."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.directory.app import create_app
from services.directory.importing import engine
from shared.settings import Settings
from tests.conftest import MakeAccount
from tests.support.api import Api
from tests.support.openapi import OpenApi

pytestmark = pytest.mark.usefixtures("demo")

CORPUS = Path(__file__).resolve().parents[1] / "samples" / "imports"
VCARD = {"Content-Type": "text/vcard"}


def card(*lines: str) -> bytes:
    """One vCard 3.0 with these properties."""
    return ("\r\n".join(["BEGIN:VCARD", "VERSION:3.0", *lines, "END:VCARD"]) + "\r\n").encode()


async def imported(api: Api, body: bytes, query: str, **headers: str) -> dict[str, Any]:
    """The report of an import that must be answered (never a 500)."""
    reply = await api.post(f"/v1/contacts/import?{query}", data=body, headers={**VCARD, **headers})
    assert reply.status == 200, reply.text
    report: dict[str, Any] = reply.json
    return report


async def test_no_card_takes_down_another_and_each_says_why(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    api = directory.as_(admin_token)
    body = b"".join(
        [
            card("FN:Ok Person", "N:Person;Ok;;;", "EMAIL:ok.person@example.org"),
            card("FN:Bad Address", "EMAIL:not-an-address"),
            card("FN:Odd Number", "TEL:ask the secretary", "TEL:+372 5046 570"),
            card("ORG:Acme, Inc."),  # Outlook's unescaped comma; a company's own card
            card("EMAIL:nameless@example.org"),
            card("FN;CHARSET=x-klingon:Ülle Õun", "EMAIL:ulle@example.ee"),
            card("FN:Ok Person", "EMAIL:OK.Person@example.org", "TEL:+372 7423 625"),
            b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut Off\r\nTEL:+3725046571\r\n",
        ]
    )
    report = await imported(api, body, "network=ee&lang=et")
    items = report["items"]
    assert [(i["row"], i["line"], i["status"]) for i in items] == [
        (1, 1, "created"),
        (2, 7, "rejected"),
        (3, 12, "created"),
        (4, 18, "created"),
        (5, 22, "rejected"),
        (6, 26, "created"),
        (7, 31, "updated"),  # the same person again, by address, later in the file
        (8, 37, "rejected"),
    ]
    assert [e["field"] for e in items[1]["errors"]] == ["emails[0]"]
    assert items[2]["notes"] == [
        {
            "field": "phones[0].number",
            "message": "'ask the secretary' is kept as written: "
            "it is not a phone number that can be dialled",
        }
    ]
    odd = (await api.get(f"/v1/contacts/{items[2]['contact']}")).json
    assert [(p["e164"], p["written"]) for p in odd["phones"]] == [
        (None, "ask the secretary"),
        ("+3725046570", "+372 5046 570"),
    ]
    company = (await api.get(f"/v1/contacts/{items[3]['contact']}")).json
    assert (company["display_name"], company["organisation"]["name"]) == ("Acme, Inc.",) * 2
    assert "neither FN nor N" in items[4]["errors"][0]["message"]
    assert items[5]["notes"] == [
        {"field": "line 28", "message": "CHARSET=x-klingon is not a known charset; read as UTF-8"}
    ]
    assert items[5]["name"] == "Ülle Õun"
    assert items[6]["contact"] == items[0]["contact"]
    assert items[7]["name"] == "Cut Off"
    assert "END:VCARD is missing" in items[7]["errors"][0]["message"]
    assert (report["created"], report["updated"], report["rejected"]) == (4, 1, 3)


async def test_legacy_code_pages_by_declaration_by_http_or_by_guess(
    directory: Api, admin_token: str
) -> None:
    api = directory.as_(admin_token)
    text = card("N:Kiseliūnienė;Aistė;;;", "FN:Aistė Kiseliūnienė", "ORG:Šiaulių universitetas")
    windows_1257 = text.decode().encode("cp1257")
    by_http = await imported(
        api, windows_1257, "network=lt", **{"Content-Type": "text/vcard; charset=windows-1257"}
    )
    assert by_http["items"][0]["name"] == "Aistė Kiseliūnienė"
    assert by_http["notes"] == []
    guessed = await imported(api, windows_1257.replace(b"FN:", b"FN:Dr "), "network=lt")
    assert guessed["items"][0]["name"] == "Dr Aistė Kiseliūnienė"  # not "Aistë Kiseliûnienë"
    assert guessed["notes"] == ["Text that was not UTF-8 was read as Windows-1257."]
    contact = (await api.get(f"/v1/contacts/{guessed['items'][0]['contact']}")).json
    assert contact["organisation"]["name"] == "Šiaulių universitetas"
    # The report speaks the reader's language: the file's note and a card's unknown CHARSET.
    odd = windows_1257.replace(b"FN:", b"FN;CHARSET=x-klingon:Prof ")
    said = await imported(api, odd, "network=lt", **{"Accept-Language": "lt"})
    assert said["notes"] == ["Tekstas, kuris nebuvo UTF-8, perskaitytas kaip Windows-1257."]
    assert [n["message"] for n in said["items"][0]["notes"]] == [
        "CHARSET=x-klingon nėra žinoma koduotė; perskaityta kaip Windows-1257"
    ]


async def test_one_character_split_by_a_fold_garbles_nothing_else(
    directory: Api, admin_token: str
) -> None:
    api = directory.as_(admin_token)
    body = b"".join(
        (CORPUS / name).read_bytes() for name in ("outlook-3.0.vcf", "evolution.vcf", "android.vcf")
    )
    report = await imported(api, body, "network=lv&lang=lv")
    assert [i["name"] for i in report["items"]] == [
        "Vida Gintautaitė",
        "Žaneta Ščerbinska",
        "Daina Mežecka",
        "Jānis Bērziņš",
    ]
    assert report["notes"] == []


async def test_a_dry_run_reports_and_writes_nothing(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    api = directory.as_(admin_token)
    body = (CORPUS / "iphone-ios.vcf").read_bytes() + card("FN:X", "EMAIL:x@")
    before = await conn.fetchval("SELECT count(*) FROM contacts")
    version = await conn.fetchval("SELECT version FROM state")
    dry = await imported(api, body, "network=lt&lang=lt&dry_run=true")
    assert dry["dry_run"] is True
    assert [(i["status"], i["contact"]) for i in dry["items"]] == [
        ("created", None),
        ("created", None),
        ("rejected", None),
    ]
    assert await conn.fetchval("SELECT count(*) FROM contacts") == before
    assert await conn.fetchval("SELECT version FROM state") == version  # not even a cache miss
    real = await imported(api, body, "network=lt&lang=lt")
    assert [i["status"] for i in real["items"]] == [i["status"] for i in dry["items"]]
    assert [i["dropped"] for i in real["items"]] == [i["dropped"] for i in dry["items"]]


async def test_an_importer_cannot_learn_whether_an_address_exists(
    directory: Api, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, lv = await make_account("lv@example.org", permissions={"lv": ("edit_contacts",)})
    api = directory.as_(lv)
    kanarbik = await conn.fetchrow(
        "SELECT c.id, c.uid::text AS uid, c.revision FROM contacts c "
        "JOIN contact_emails e ON e.contact_id = c.id WHERE e.address = 'madis.kanarbik@norden.ee'"
    )
    assert kanarbik is not None
    # Estonia's contact, by address and by UID; and an address nobody has.
    known = card("FN:Probe One", "EMAIL:madis.kanarbik@norden.ee", f"UID:{kanarbik['uid']}")
    unknown = card(
        "FN:Probe One", "EMAIL:nobody.here@norden.ee", "UID:5b1f0c7e-0000-4000-8000-000000000001"
    )
    answers = []
    for body in (known, unknown):
        report = await imported(api, body, "network=lv&lang=lv")
        item = report["items"][0]
        contact = (await api.get(f"/v1/contacts/{item['contact']}")).json
        answers.append((report, contact))
    for report, contact in answers:
        assert report["items"][0]["contact"] != kanarbik["id"]
        assert contact["networks"] == [{"network": "lv", "role": "member"}]
    # The answers are the same but for the new contact's id, uid and times.
    (first, one), (second, two) = answers
    for item in (first["items"][0], second["items"][0]):
        item.pop("contact")
    assert first == second
    for key in ("id", "uid", "emails", "created_at", "updated_at"):
        one.pop(key)
        two.pop(key)
    assert one == two
    after = await conn.fetchrow("SELECT revision FROM contacts WHERE id = $1", kanarbik["id"])
    assert after is not None
    assert after["revision"] == kanarbik["revision"]  # untouched


async def test_a_network_one_may_not_see_answers_as_one_nobody_has(
    directory: Api, make_account: MakeAccount, admin_token: str
) -> None:
    """Importing into a private network of someone else's, or into a slug nobody has, gets
    the same answer: an import cannot probe which private networks exist."""
    made = await directory.as_(admin_token).post(
        "/v1/networks",
        json={"slug": "lt-vidaus", "names": {"lt": "Vidaus tinklas"}, "default_lang": "lt",
              "is_private": True, "parent": "lt"},
    )  # fmt: skip
    assert made.status == 201, made.text
    _, lv = await make_account("lv@example.org", permissions={"lv": ("edit_contacts",)})
    api = directory.as_(lv)
    body = card("FN:Probe One", "EMAIL:probe@example.lt")
    answers = []
    for slug in ("lt-vidaus", "lt-nera"):
        reply = await api.post(f"/v1/contacts/import?network={slug}", data=body, headers=VCARD)
        problem = dict(reply.json)
        problem.pop("request_id", None)
        answers.append((reply.status, problem))
    assert answers[0] == answers[1]
    assert answers[0][0] == 403


async def test_who_may_import_where(directory: Api, make_account: MakeAccount) -> None:
    _, lv = await make_account("lv@example.org", permissions={"lv": ("edit_contacts",)})
    api = directory.as_(lv)
    body = (CORPUS / "outlook-3.0.vcf").read_bytes()
    assert (
        await api.post("/v1/contacts/import?network=ee", data=body, headers=VCARD)
    ).status == 403
    assert (await api.post("/v1/contacts/import", data=body, headers=VCARD)).problem_fields() == [
        "network"
    ]
    assert (
        await api.post(
            "/v1/contacts/import?network=lv", data=b"x", headers={"Content-Type": "image/png"}
        )
    ).status == 400
    assert (
        await api.post("/v1/contacts/import?network=lv&dry_run=maybe", data=body, headers=VCARD)
    ).problem_fields() == ["dry_run"]
    # A card whose CATEGORIES name someone else's network comes in, to the importer's own.
    report = await imported(api, card("FN:X Y", "CATEGORIES:Eesti,Latvija"), "network=lv")
    assert report["items"][0]["status"] == "created"
    assert report["items"][0]["dropped"] == ["other_categories"]
    # A CSV row that names a network the importer does not edit is refused, as an unknown one.
    rows = b"given_name,networks\r\nA,ee\r\nB,atlantis\r\n"
    csv_report = await imported(api, rows, "", **{"Content-Type": "text/csv"})
    assert [i["errors"][0]["message"] for i in csv_report["items"]] == [
        "'ee' is not a network whose contacts you edit",
        "'atlantis' is not a network whose contacts you edit",
    ]


@pytest.fixture
async def small_limit(settings: Settings, directory_spec: OpenApi) -> AsyncIterator[Api]:
    """The directory with a 100 kB import limit."""
    app = create_app(settings.replace(import_max_bytes=100_000))
    async with TestClient(TestServer(app)) as client:
        yield Api(client, directory_spec)


async def test_photos_never_count_against_the_limit(small_limit: Api, admin_token: str) -> None:
    api = small_limit.as_(admin_token)
    photo = "QUJD" * 300_000  # 1.2 MB of base64
    folded = "\r\n ".join(photo[i : i + 74] for i in range(0, len(photo), 74))
    for value in (photo, folded):  # unfolded (one line of 1.2 MB) and folded
        body = card("FN:Lina Kisevičienė", f"PHOTO;ENCODING=b;TYPE=JPEG:{value}")
        report = await imported(api, body, "network=lt")
        assert report["items"][0]["status"] in {"created", "unchanged"}
        assert report["items"][0]["dropped"] == ["photo"]
    many = b"".join(card(f"FN:Person {i}", f"NOTE:{'x' * 500}") for i in range(300))
    refused = await api.post("/v1/contacts/import?network=lt", data=many, headers=VCARD)
    assert refused.status == 413
    assert refused.json["detail"].startswith("The file is larger than 97 kB without its photos")


async def test_an_endless_line_rejects_only_its_card_over_http(
    directory: Api, admin_token: str
) -> None:
    """A NOTE of 3 MB on one line (a broken export): that card is rejected with its line, the
    cards around it are imported, and the file is never held whole."""
    api = directory.as_(admin_token)
    body = (
        card("FN:Aistė Kiseliūnienė", "EMAIL:aiste.k@example.lt")
        + card("FN:Jonas Jonaitis", "NOTE:" + "x" * 3_000_000)
        + card("FN:Eglė Petraitė", "EMAIL:egle.p@example.lt")
    )
    report = await imported(api, body, "network=lt")
    assert [
        (i["status"], i["name"], [e["field"] for e in i["errors"]]) for i in report["items"]
    ] == [
        ("created", "Aistė Kiseliūnienė", []),
        ("rejected", "Jonas Jonaitis", ["line 9"]),
        ("created", "Eglė Petraitė", []),
    ]


def kept(contact: dict[str, Any]) -> dict[str, Any]:
    """What a CSV test compares of a stored contact."""
    return {
        "name": (contact["given_name"], contact["family_name"], contact["display_name"]),
        "titles": contact["titles"],
        "organisation": contact["organisation"]["name"] if contact["organisation"] else None,
        "phones": [(p["e164"], p["kind"], p["extension"]) for p in contact["phones"]],
        "emails": contact["emails"],
        "links": [link["url"] for link in contact["links"]],
    }


# file, network and language, then per row what is stored, and the columns not kept
SPREADSHEETS: list[tuple[str, str, list[dict[str, Any]], list[str]]] = [
    (
        "excel-lithuanian.csv",
        "network=lt&lang=lt",
        [
            {
                "name": ("Eglė", "Šimkūnaitė", "Eglė Šimkūnaitė"),
                "titles": {"lt": "Projektų vadovė"},
                "organisation": "Diversity Development Group",
                "phones": [("+37061234568", "cell", None)],
                "emails": ["egle.s@example.lt"],
                "links": [],
            },
            {
                "name": ("Žydrūnas", "Čėsna", "Žydrūnas Čėsna"),
                "titles": {},
                "organisation": "Acme, Inc.",
                "phones": [("+37052000009", "work", "7")],
                "emails": ["zydrunas.c@example.lt"],
                "links": [],
            },
        ],
        ["Gimtadienis"],
    ),
    (
        # Excel's "CSV UTF-8" on a Latvian Windows: a byte-order mark, `;`, Latvian headers.
        "excel-latvian.csv",
        "network=lv&lang=lv",
        [
            {
                "name": ("Laura", "Bērziņa", "Laura Bērziņa"),
                "titles": {"lv": "Projektu vadītāja"},
                "organisation": "Providus",
                "phones": [("+37126123457", "cell", None), ("+37167039253", "work", None)],
                "emails": ["laura.b@example.lv"],
                "links": ["http://providus.lv"],
            }
        ],
        [],
    ),
    (
        # Excel's plain "CSV" on an Estonian Windows: Windows-1257, `;`, Estonian headers.
        "excel-estonian.csv",
        "network=ee&lang=et",
        [
            {
                "name": ("Kärt", "Jõemets", "Kärt Jõemets"),
                "titles": {"et": "Nõunik"},
                "organisation": "Kultuuriministeerium",
                "phones": [("+37255512346", "cell", None), ("+3726288803", "work", None)],
                "emails": ["kart.j@example.ee"],
                "links": [],
            }
        ],
        [],
    ),
    (
        # Google's labels give each number its kind ("Home", "Work Fax").
        "google-contacts.csv",
        "network=ee&lang=et",
        [
            {
                "name": ("Anne-Ly", "Reimaa", "Anne-Ly Reimaa"),
                "titles": {"et": "Nõunik"},
                "organisation": "Kultuuriministeerium",
                "phones": [
                    ("+37255512345", "cell", None),  # listed twice, one number
                    ("+3726288801", "home", None),
                    ("+3726288802", "fax", None),
                ],
                "emails": ["anne-ly.r@example.ee", "anne.reimaa@example.ee"],
                "links": ["http://www.kul.example"],
            }
        ],
        ["Birthday", "Notes", "Labels", "E-mail 1 - Label", "Website 1 - Label"],
    ),
    (
        "outlook-contacts.csv",
        "network=lv&lang=lv",
        [
            {
                "name": ("Ieva", "Raubiško", "Ieva Raubiško"),
                "titles": {"lv": "Pētniece"},
                "organisation": "Providus",
                "phones": [("+37167039252", "work", None), ("+37120000003", "cell", None)],
                "emails": ["ieva.r@example.lv"],
                "links": [],
            }
        ],
        ["Middle Name", "Department", "Notes"],
    ),
    (
        # Outlook's full export: "Title" is the courtesy title (Dr.), not the job; an
        # assistant's number is not the contact's; "E-mail Display Name" is not an address.
        "outlook-2016.csv",
        "network=lv&lang=lv",
        [
            {
                "name": ("Inese", "Šūpule", "Inese Šūpule"),
                "titles": {},
                "organisation": "Baltic Institute of Social Sciences",
                "phones": [
                    ("+37167039260", "work", None),
                    ("+37167039261", "work", None),
                    ("+37120000006", "cell", None),
                    ("+37120000005", "cell", None),
                ],
                "emails": ["inese.s@example.lv", "supule@example.lv"],
                "links": ["http://www.bszi.example"],
            }
        ],
        ["Title", "Suffix", "Assistant's Phone", "E-mail Display Name", "Categories"],
    ),
    (
        # Thunderbird's CSV export: its fixed columns, national numbers.
        "thunderbird.csv",
        "network=lv&lang=lv",
        [
            {
                "name": ("Ģirts", "Ķēniņš", "Ģirts Ķēniņš"),
                "titles": {"lv": "Projektu koordinators"},
                "organisation": "Providus",
                "phones": [
                    ("+37167039250", "work", None),
                    ("+37167039251", "fax", None),
                    ("+37126123456", "cell", None),
                ],
                "emails": ["girts.k@example.lv", "kenins@example.lv"],
                "links": ["http://providus.lv"],
            },
            {
                "name": ("Marija", "Ozoliņa", "Marija Ozoliņa"),
                "titles": {},
                "organisation": None,
                "phones": [("+37167123456", "home", None), ("+37129000001", "voice", None)],
                "emails": ["marija.o@example.lv"],
                "links": [],
            },
        ],
        ["Nickname", "Screen Name", "Work City", "Department", "Birth Year", "Notes"],
    ),
    (
        # Windows Contacts' CSV export on a Lithuanian Windows: the ANSI code page (1257).
        "windows-contacts.csv",
        "network=lt&lang=lt",
        [
            {
                "name": ("Rūta", "Šimkienė", "Rūta Šimkienė"),
                "titles": {"lt": "Koordinatorė"},
                "organisation": "Lietuvos Raudonasis Kryžius",
                "phones": [
                    ("+37061234567", "cell", None),
                    ("+37052123456", "work", None),
                    ("+37052123457", "fax", None),
                ],
                "emails": ["ruta.s@example.lt"],
                "links": ["http://www.example.lt/ruta"],
            },
            {
                "name": ("Žilvinas", "Čepulis", "Žilvinas Čepulis"),
                "titles": {},
                "organisation": None,
                "phones": [("+37037123456", "home", None)],
                "emails": ["zilvinas.c@example.lt"],
                "links": ["http://www.cepulis.example"],
            },
        ],
        ["Middle Name", "Nickname", "Home Street", "Business City", "Office Location", "Notes"],
    ),
]


@pytest.mark.parametrize(
    ("name", "query", "rows", "not_kept"), SPREADSHEETS, ids=[s[0] for s in SPREADSHEETS]
)
async def test_spreadsheets_as_excel_and_mail_programs_save_them(
    directory: Api,
    admin_token: str,
    name: str,
    query: str,
    rows: list[dict[str, Any]],
    not_kept: list[str],
) -> None:
    api = directory.as_(admin_token)
    body = (CORPUS / name).read_bytes()
    report = await imported(api, body, query, **{"Content-Type": "text/csv"})
    assert [i["status"] for i in report["items"]] == ["created"] * len(rows), report
    stored = [kept((await api.get(f"/v1/contacts/{i['contact']}")).json) for i in report["items"]]
    assert stored == rows
    prefix = "Columns Kontakt does not keep: "
    columns = [n for n in report["notes"] if n.startswith(prefix)]
    legacy = [n for n in report["notes"] if not n.startswith(prefix)]
    ignored = columns[0].removeprefix(prefix).removesuffix(".").split(", ") if columns else []
    assert set(not_kept) <= set(ignored), ignored
    assert bool(ignored) == bool(not_kept), ignored  # every column read where none is listed
    if name in {"excel-lithuanian.csv", "excel-estonian.csv", "windows-contacts.csv"}:
        assert legacy == ["Text that was not UTF-8 was read as Windows-1257."]
    else:
        assert legacy == []


async def test_json_and_progress_lines(directory: Api, admin_token: str) -> None:
    api = directory.as_(admin_token)
    people = [
        {"given_name": "Ülle", "family_name": "Õun", "networks": ["ee"], "phones": ["5046 571"]},
        {"given_name": "", "networks": ["ee"]},
    ]
    reply = await api.post(
        "/v1/contacts/import",
        data=json.dumps(people).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/x-ndjson"},
    )
    assert reply.status == 200
    lines = [json.loads(line) for line in reply.body.splitlines()]
    assert "progress" in lines[0]
    report = lines[-1]["report"]
    assert [i["status"] for i in report["items"]] == ["created", "rejected"]
    assert report["items"][1]["errors"][0]["field"] == "display_name"


WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")


@pytest.mark.parametrize("encoding", WIDE)
async def test_wide_spreadsheets_with_or_without_a_byte_order_mark(
    directory: Api, admin_token: str, encoding: str
) -> None:
    # Excel's "Unicode text" and other programs' UTF-16 and UTF-32, marked or not.
    api = directory.as_(admin_token)
    address = f"aiste.{encoding}@example.lt"
    text = f"Vardas;Pavardė;El. paštas\r\nAistė;Kiseliūnienė;{address}\r\n"
    report = await imported(
        api, text.encode(encoding), "network=lt", **{"Content-Type": "text/csv"}
    )
    assert [i["status"] for i in report["items"]] == ["created"], report
    stored = (await api.get(f"/v1/contacts/{report['items'][0]['contact']}")).json
    assert (stored["given_name"], stored["family_name"], stored["emails"]) == (
        "Aistė",
        "Kiseliūnienė",
        [address],
    )


async def test_chunks_written_while_the_next_are_read_keep_every_rule(
    directory: Api, admin_token: str, conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many small chunks (one written while the next is checked and the one after read): a
    card the checks refuse, one the database refuses (its chunk then goes card by card) and
    one naming an address an earlier card of its chunk gave each come out as they would alone.
    """
    monkeypatch.setattr(engine, "CHUNK", 3)
    # A rule of the database's own that no check knows: only one card at a time pins it down.
    await conn.execute(
        "ALTER TABLE contact_emails ADD CONSTRAINT no_refused CHECK (address NOT LIKE 'refused%')"
    )
    api = directory.as_(admin_token)
    cards = [card(f"FN:Person {i}", f"EMAIL:person.{i}@example.lt") for i in range(20)]
    cards[4] = card("FN:Bad Address", "EMAIL:not-an-address")
    cards[7] = card("FN:Refused", "EMAIL:refused@example.lt")
    cards[8] = card("FN:PERSON 6", "EMAIL:person.6@example.lt", "TITLE:Patarėja")
    report = await imported(api, b"".join(cards), "network=lt&lang=lt")
    statuses = [i["status"] for i in report["items"]]
    assert (
        statuses
        == ["created"] * 4
        + ["rejected"]
        + ["created"] * 2
        + ["rejected", "updated"]
        + ["created"] * 11
    )
    assert report["items"][7]["errors"] == [
        {"field": "", "message": "the database refused this card"}
    ]
    names = await conn.fetch("SELECT display_name FROM contacts WHERE display_name LIKE 'Person%'")
    assert len(names) == 17
    again = await conn.fetchrow(
        "SELECT c.display_name, c.titles FROM contacts c JOIN contact_emails e"
        " ON e.contact_id = c.id WHERE e.address = 'person.6@example.lt'"
    )
    assert again is not None
    assert again["display_name"] == "Person 6"  # a card adds; its FN replaces no name
    assert again["titles"] == {"lt": "Patarėja"}


async def test_a_uid_of_a_deleted_contact_imports_a_new_contact(
    directory: Api, admin_token: str
) -> None:
    """A deleted contact is gone for an import (as for every read): a card with its UID, or
    its address, becomes a new contact with a UID of its own, and undo still brings the old
    one back."""
    api = directory.as_(admin_token)
    uid = "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    body = card(f"UID:urn:uuid:{uid}", "FN:Aistė Kiseliūnienė", "EMAIL:aiste@example.lt")
    first = (await imported(api, body, "network=lt&lang=lt"))["items"][0]
    assert first["status"] == "created"
    assert (await api.get(f"/v1/contacts/{first['contact']}")).json["uid"] == uid
    assert (await api.delete(f"/v1/contacts/{first['contact']}")).status == 204

    again = (await imported(api, body, "network=lt&lang=lt"))["items"][0]
    assert (again["status"], again["errors"]) == ("created", [])
    assert again["contact"] != first["contact"]
    new = (await api.get(f"/v1/contacts/{again['contact']}")).json
    assert new["uid"] != uid
    assert new["emails"] == ["aiste@example.lt"]
    assert (await api.post(f"/v1/contacts/{first['contact']}/restore")).status in {200, 204}
    assert (await api.get(f"/v1/contacts/{first['contact']}")).json["uid"] == uid


async def test_organisations_from_long_names_get_slugs_the_database_takes(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    """Company names whose slug, cut at 48 characters, ended in a hyphen (the database
    refused the card and the answer named its constraint), names alike in their first 48,
    and names with no Latin letter: every row imported, no rule of the database named."""
    api = directory.as_(admin_token)
    companies = [
        "Vilniaus miesto savivaldybės Socialinės paramos skyrius",
        "Vilniaus miesto savivaldybės Socialinės paramos tarnyba",
        "Vilniaus miesto savivaldybės Socialinės paramos centras",
        "Šiaulių miesto savivaldybės Socialinių paslaugų skyrius",
        "Посольство Украины в Литве",
        "Посольство Беларуси в Литве",
    ]
    rows = "".join(
        f'Vardas{i},Pavardė{i},"{company}",asmuo{i}@example.lt\r\n'
        for i, company in enumerate(companies)
    )
    body = ("First Name,Last Name,Company,E-mail Address\r\n" + rows).encode()
    reply = await api.post(
        "/v1/contacts/import?network=lt", data=body, headers={"Content-Type": "text/csv"}
    )
    assert reply.status == 200, reply.text
    items = reply.json["items"]
    assert [(i["status"], i["errors"]) for i in items] == [("created", [])] * len(companies)
    assert "constraint" not in reply.text
    assert "_check" not in reply.text
    slugs = [
        (await api.get(f"/v1/contacts/{i['contact']}")).json["organisation"]["slug"] for i in items
    ]
    assert len(set(slugs)) == len(companies)
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
        assert len(slug) <= 64, slug
    assert slugs[:2] == [
        "vilniaus-miesto-savivaldybes-socialines-paramos",
        "vilniaus-miesto-savivaldybes-socialines-paramos-2",
    ]


async def test_a_phone_that_cannot_be_kept_leaves_only_itself_out(
    directory: Api, admin_token: str
) -> None:
    """An empty TEL (as phones leave a blank field) and one longer than any number: those two
    are left out with a remark each; the card, its name, address and other number come in."""
    api = directory.as_(admin_token)
    body = card(
        "N:Kiseliūnienė;Aistė;;;",
        "FN:Aistė Kiseliūnienė",
        "TEL;TYPE=CELL:",
        "TEL;TYPE=WORK:+370 5 200 0009 " + "9" * 300,
        "TEL;TYPE=CELL:+370 612 34567",
        "EMAIL:aiste.k@example.lt",
    )
    report = await imported(api, body, "network=lt")
    item = report["items"][0]
    assert (item["status"], item["errors"]) == ("created", []), item
    assert [n["field"] for n in item["notes"]] == ["phones[0].number"]  # the empty TEL: none
    stored = (await api.get(f"/v1/contacts/{item['contact']}")).json
    assert [p["e164"] for p in stored["phones"]] == ["+37061234567"]
    assert stored["emails"] == ["aiste.k@example.lt"]
    # A spreadsheet's phones cell with an empty piece ("cell:" with no number).
    rows = "given_name,family_name,phones\r\nJonas,Jonaitis,cell:| work:+370 5 200 0009\r\n"
    report = await imported(api, rows.encode(), "network=lt", **{"Content-Type": "text/csv"})
    item = report["items"][0]
    assert (item["status"], [n["field"] for n in item["notes"]]) == (
        "created",
        ["phones[0].number"],
    ), item
    stored = (await api.get(f"/v1/contacts/{item['contact']}")).json
    assert [p["e164"] for p in stored["phones"]] == ["+37052000009"]
