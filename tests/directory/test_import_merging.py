"""What an import does to what is stored: a card adds, a CSV or JSON row changes only the
fields (and, of a per-language map, the languages) it has."""

from __future__ import annotations

import json
import sys
from types import FrameType
from typing import Any

import asyncpg
import pytest

from services.directory.importing.apply import _name_keys
from services.directory.importing.engine import Importer, Options
from services.directory.importing.rows import ReportJSON
from services.directory.importing.run import pieces, reader_for, run_import
from shared.queries import Queries
from tests.support.api import Api
from tests.support.contact_import import CSV, imported

pytestmark = pytest.mark.usefixtures("demo")

VCARD = {"Content-Type": "text/vcard"}
JSON = {"Content-Type": "application/json"}
# What the API shows that an import does not set.
VOLATILE = ("revision", "updated_at", "created_at", "title", "has_email")


def card(*lines: str) -> bytes:
    """One vCard 3.0 as iPhones and Android write it."""
    return ("\r\n".join(["BEGIN:VCARD", "VERSION:3.0", *lines, "END:VCARD"]) + "\r\n").encode()


def shown(contact: dict[str, Any]) -> dict[str, Any]:
    """A contact as the API shows it, without what changes with every write."""
    return {k: v for k, v in contact.items() if k not in VOLATILE}


FULL = {
    "given_name": "Aistė",
    "family_name": "Kiseliūnienė",
    "display_name": "Dr. Aistė Kiseliūnienė",
    "titles": {"en": "Adviser", "lt": "Patarėja"},
    "organisation": "ncm-lithuania",
    "phones": [
        {"number": "+370 5 200 0009", "kind": "work"},
        {"number": "+370 612 34567", "kind": "fax"},
    ],
    "emails": ["aiste.k@example.lt"],
    "links": ["https://aiste.example.lt"],
    "networks": [{"network": "lt", "role": "coordinator"}, {"network": "lv", "role": "member"}],
    "position": 7,
    "published": False,
}


@pytest.fixture
async def stored(directory: Api, admin_token: str) -> dict[str, Any]:
    """A contact with every field the API has set to something not a default."""
    reply = await directory.as_(admin_token).post("/v1/contacts", json=FULL)
    assert reply.status == 201, reply.text
    contact: dict[str, Any] = reply.json
    return contact


async def test_a_card_adds_to_the_contact_it_matches_and_removes_nothing(
    directory: Api, admin_token: str, stored: dict[str, Any]
) -> None:
    api = directory.as_(admin_token)
    url = f"/v1/contacts/{stored['id']}"
    # A phone's card of the same person: another name, one number of the two, no link.
    one_tel = card(
        "FN:Aiste Kiseliuniene",
        "N:Kiseliuniene;Aiste;;;",
        "EMAIL;TYPE=INTERNET:AISTE.K@example.lt",
        "TEL;TYPE=CELL:+370 612 00000",
        "TEL;TYPE=WORK:+37052000009",
        "ORG:Kita įmonė",
        "TITLE:Direktorė",
        "URL:https://other.example.lt",
        "EMAIL:aiste.home@example.lt",
    )
    report = await imported(api, one_tel, "network=lt&lang=lt", VCARD)
    assert [(i["status"], i["contact"]) for i in report["items"]] == [("updated", stored["id"])]
    after = (await api.get(url)).json
    expected = shown(stored)
    expected["phones"] = stored["phones"] + [
        {"e164": "+37061200000", "written": "+370 612 00000", "kind": "cell", "extension": None}
    ]
    expected["emails"] = ["aiste.k@example.lt", "aiste.home@example.lt"]
    expected["links"] = stored["links"] + [{"url": "https://other.example.lt", "label": None}]
    assert shown(after) == expected
    # Cards without a number, a link, a title or an organisation take nothing away (a phone's
    # card with the first name only is the same person); nor does the same card again.
    for body in (card("FN:Aistė", "EMAIL:aiste.k@example.lt"), one_tel):
        report = await imported(api, body, "network=lt&lang=lt", VCARD)
        assert report["items"][0]["status"] == "unchanged"
        assert shown((await api.get(url)).json) == expected
    # A contact lacking a title in the card's language, or an organisation, gets the card's.
    bare = await api.post("/v1/contacts", json={"given_name": "Ona", "networks": ["lt"]})
    bare_card = card(
        "FN:Ona Petraitė",
        "N:Petraitė;Ona;;;",
        "ORG:Vilniaus kolegija",
        "TITLE:Patarėja",
        f"UID:{bare.json['uid']}",
    )
    report = await imported(api, bare_card, "network=lt&lang=lt", VCARD)
    filled = (await api.get(f"/v1/contacts/{bare.json['id']}")).json
    assert (filled["given_name"], filled["family_name"], filled["display_name"]) == (
        "Ona",
        "Petraitė",
        "Ona",
    )
    assert (filled["titles"], filled["organisation"]["name"]) == (
        {"lt": "Patarėja"},
        "Vilniaus kolegija",
    )


# Each field of Kontakt's own CSV columns: the column and a value unlike the stored one, and
# what the contact shows after a row with only that column (and the uid).
CHANGES: list[tuple[str, str, dict[str, Any]]] = [
    ("given_name", "Ona", {"given_name": "Ona"}),
    ("family_name", "Petraitė", {"family_name": "Petraitė"}),
    ("display_name", "Ona P.", {"display_name": "Ona P."}),
    ("title_en", "Director", {"titles": {"en": "Director", "lt": "Patarėja"}}),
    ("title_lt", "", {"titles": {"en": "Director"}}),  # after the row before it
    ("organisation", "ncm-latvia", {"organisation": "ncm-latvia"}),
    (
        "phones",
        "cell:+370 699 11111",
        {
            "phones": [
                {
                    "e164": "+37069911111",
                    "written": "+370 699 11111",
                    "kind": "cell",
                    "extension": None,
                }
            ]
        },
    ),
    ("emails", "ona@example.lt", {"emails": ["ona@example.lt"]}),
    ("links", "", {"links": []}),
    # A network without a role keeps the member's role; one with a role takes it.
    (
        "networks",
        "lt|lv:coordinator",
        {
            "networks": [
                {"network": "lt", "role": "coordinator"},
                {"network": "lv", "role": "coordinator"},
            ]
        },
    ),
    ("position", "3", {"position": 3}),
    ("published", "true", {"published": True}),
]


def _expected(before: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    expected = shown(before) | change
    if isinstance(change.get("organisation"), str):
        expected["organisation"] = change["organisation"]
    return expected


def _comparable(contact: dict[str, Any]) -> dict[str, Any]:
    out = shown(contact)
    if isinstance(out.get("organisation"), dict):
        out["organisation"] = out["organisation"]["slug"]
    out["networks"] = sorted(out["networks"], key=lambda n: n["network"])  # in no order
    return out


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_a_row_changes_only_the_fields_it_has(
    directory: Api, admin_token: str, stored: dict[str, Any], fmt: str
) -> None:
    api = directory.as_(admin_token)
    url = f"/v1/contacts/{stored['id']}"
    for column, value, change in CHANGES:
        before = (await api.get(url)).json
        if fmt == "csv":
            body = f"uid,{column}\r\n{stored['uid']},{value}\r\n".encode()
            headers = CSV
        else:
            item: dict[str, Any] = {"uid": stored["uid"]}
            key = "titles" if column.startswith("title_") else column
            if column.startswith("title_"):
                item[key] = {column.removeprefix("title_"): value}
            elif column == "networks":
                item[key] = ["lt", {"network": "lv", "role": "coordinator"}]
            elif key == "phones":
                item[key] = [{"number": value.partition(":")[2], "kind": "cell"}]
            elif key in {"emails", "links"}:
                item[key] = [value] if value else []
            elif column == "position":
                item[key] = int(value)
            elif column == "published":
                item[key] = True
            else:
                item[key] = value
            body, headers = json.dumps([item]).encode(), JSON
        report = await imported(api, body, "network=lt", headers)
        assert report["items"][0]["status"] == "updated", (column, report["items"][0]["errors"])
        after = (await api.get(url)).json
        assert _comparable(after) == _comparable(_expected(before, change)), column
        if column == "given_name":  # a display name of its own does not follow the names
            assert after["display_name"] == "Dr. Aistė Kiseliūnienė"
    # With nothing but the names and a display name that was only them, it follows them.
    fresh = await api.post(
        "/v1/contacts",
        json={
            "given_name": "Mari",
            "family_name": "Tamm",
            "networks": [{"network": "ee", "role": "coordinator"}],
        },
    )
    body = f"uid,family_name\r\n{fresh.json['uid']},Kask\r\n".encode()
    report = await imported(api, body, "network=ee", CSV)
    after = (await api.get(f"/v1/contacts/{fresh.json['id']}")).json
    assert (after["display_name"], after["networks"]) == (
        "Mari Kask",
        [{"network": "ee", "role": "coordinator"}],
    )


NETWORK = {
    "slug": "baltic-sea",
    "parent": "for-in",
    "country": "LT",
    "default_lang": "lt",
    "embed_origins": ["https://www.norden.lt"],
    "is_private": False,
    "names": {"en": "Baltic Sea", "lt": "Baltijos jūra"},
    "position": 9,
}
ORGANISATION = {
    "slug": "vilnius-forum",
    "names": {"en": "Vilnius Forum", "lt": "Vilniaus forumas"},
    "country": "LT",
    "website": "https://forum.example.lt",
}


async def test_a_network_or_organisation_row_changes_only_what_it_has(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    api = directory.as_(admin_token)
    doc = {"networks": [NETWORK], "organisations": [ORGANISATION]}
    report = await imported(api, json.dumps(doc).encode(), "", JSON)
    assert [i["status"] for i in report["items"]] == ["created", "created"]
    partial = {
        "networks": [{"slug": "baltic-sea", "names": {"en": "Baltic Sea Region"}}],
        "organisations": [{"slug": "vilnius-forum", "names": {"en": "Vilnius Forum Ltd"}}],
    }
    report = await imported(api, json.dumps(partial).encode(), "", JSON)
    assert [i["status"] for i in report["items"]] == ["updated", "updated"]
    network = (await api.get("/v1/networks/baltic-sea")).json
    assert {k: network[k] for k in NETWORK} == NETWORK | {
        "names": {"en": "Baltic Sea Region", "lt": "Baltijos jūra"}
    }
    organisation = (await api.get("/v1/organisations/vilnius-forum")).json
    assert {k: organisation[k] for k in ORGANISATION} == ORGANISATION | {
        "names": {"en": "Vilnius Forum Ltd", "lt": "Vilniaus forumas"}
    }
    again = await imported(api, json.dumps(partial).encode(), "", JSON)
    assert [i["status"] for i in again["items"]] == ["unchanged", "unchanged"]


NDJSON = {"Accept": "application/x-ndjson"}


async def test_lookups_and_readers_reject_a_row_never_the_file(
    directory: Api, admin_token: str
) -> None:
    """An organisation named by a slug nobody has, a cell beyond the csv module's limit, a
    wide file cut at an odd byte: each row or file is answered, the rest imported."""
    api = directory.as_(admin_token)
    company = "given_name,Company\r\nRūta,maxima\r\nJonas,no-such-org\r\n".encode()
    report = await imported(api, company, "network=lt", CSV)
    assert [i["status"] for i in report["items"]] == ["created", "created"]
    contact = (await api.get(f"/v1/contacts/{report['items'][0]['contact']}")).json
    assert (contact["organisation"]["slug"], contact["organisation"]["name"]) == ("maxima",) * 2
    people = [{"given_name": "Ona", "organisation": "no-such-org-2", "networks": ["lt"]}]
    export = {
        "organisations": [{"slug": "brand-new", "names": {"lt": "Visai nauja"}}],
        "contacts": [{"given_name": "Eglė", "organisation": {"slug": "brand-new"},
                      "networks": ["lt"]}],
    }  # fmt: skip
    for query in ("network=lt&dry_run=true", "network=lt"):
        for doc in (people, export):
            report = await imported(api, json.dumps(doc).encode(), query, JSON)
            assert report["rejected"] == 0, report["items"]
    long_cell = f"given_name,family_name\r\nAistė,{'K' * 140_000}\r\nJonas,Jonaitis\r\n".encode()
    reply = await api.post(
        "/v1/contacts/import?network=lt", data=long_cell, headers={**CSV, **NDJSON}
    )
    assert reply.status == 200
    last = json.loads(reply.body.splitlines()[-1])
    items = last["report"]["items"]
    assert [(i["line"], i["status"]) for i in items] == [(2, "rejected"), (3, "created")]
    odd = "Vardas;Pavardė\r\nAistė;Kiseliūnienė\r\nJonas;Jonaitis".encode("utf-16")[:-1]
    report = await imported(api, odd, "network=lt", CSV)
    assert [i["status"] for i in report["items"]] == ["created", "created"]
    assert report["items"][0]["name"] == "Aistė Kiseliūnienė"  # only the cut character is lost


async def test_people_sharing_an_address_stay_different_people(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    api = directory.as_(admin_token)
    shared = card(
        "N:Kisevičienė;Lina;;;", "FN:Lina Kisevičienė", "TEL;TYPE=WORK:+37052000111",
        "EMAIL:info@ministerija.lt",
    ) + card(
        "N:Žemaitė;Rūta;;;", "FN:Rūta Žemaitė", "TEL;TYPE=WORK:+37052000222",
        "EMAIL:INFO@ministerija.lt",
    )  # fmt: skip
    first = await imported(api, shared, "network=lt", VCARD)
    assert [i["status"] for i in first["items"]] == ["created", "created"]
    lina, ruta = (i["contact"] for i in first["items"])
    assert lina != ruta
    again = await imported(api, shared, "network=lt", VCARD)
    assert [(i["status"], i["contact"]) for i in again["items"]] == [
        ("unchanged", lina),
        ("unchanged", ruta),
    ]
    # Nor in one file (one chunk), nor a third in another file.
    zemaite = card("FN:Rūta Žemaitė", "EMAIL:info@ministerija.lt", "TITLE:Patarėja")
    other = card("N:Petraitis;Jonas;;;", "FN:Jonas Petraitis", "EMAIL:info@ministerija.lt")
    report = await imported(api, zemaite + other, "network=lt&lang=lt", VCARD)
    assert [(i["status"], i["contact"] == ruta) for i in report["items"]] == [
        ("updated", True),
        ("created", False),
    ]
    # The same person written another way (case, accents, order) is the same person.
    variant = card("FN:KISEVICIENE Lina", "EMAIL:info@ministerija.lt", "TEL:+370 612 00001")
    report = await imported(api, variant, "network=lt", VCARD)
    assert [(i["status"], i["contact"]) for i in report["items"]] == [("updated", lina)]
    # A row without a name is found by its address alone (the first who has it).
    nameless = "emails,title_lt\r\ninfo@ministerija.lt,Patarėja\r\n".encode()
    report = await imported(api, nameless, "network=lt", CSV)
    assert [(i["status"], i["contact"]) for i in report["items"]] == [("updated", lina)]
    rows = await conn.fetch(
        "SELECT c.display_name FROM contacts c JOIN contact_emails e ON e.contact_id = c.id"
        " WHERE lower(e.address) = 'info@ministerija.lt' ORDER BY c.id"
    )
    assert [r["display_name"] for r in rows] == [
        "Lina Kisevičienė",
        "Rūta Žemaitė",
        "Jonas Petraitis",
    ]


async def test_a_uid_someone_else_has_reads_as_one_nobody_has(
    directory: Api, make_account: Any, conn: asyncpg.Connection
) -> None:
    """Both become the importer's contact the first time and are found the next: no probing
    UIDs, and an export of one's own imported again duplicates nothing."""
    _, lv = await make_account("lv@example.org", permissions={"lv": ("edit_contacts",)})
    api = directory.as_(lv)
    taken = await conn.fetchval(
        "SELECT c.uid::text FROM contacts c JOIN contact_emails e ON e.contact_id = c.id"
        " WHERE e.address = 'madis.kanarbik@norden.ee'"
    )
    answers = []
    for uid in (taken, "5b1f0c7e-0000-4000-8000-00000000a001"):
        body = card("FN:Probe One", f"UID:{uid}")
        reports = [await imported(api, body, "network=lv", VCARD) for _ in range(2)]
        ids = {r["items"][0]["contact"] for r in reports}
        assert len(ids) == 1
        for report in reports:
            report["items"][0].pop("contact")
        answers.append([r["items"][0]["status"] for r in reports])
        answers.append(reports)
    assert answers[0] == ["created", "unchanged"]
    assert answers[0] == answers[2]
    assert answers[1] == answers[3]
    # The export of the importer's network, imported again, finds every contact by its UID.
    export = await api.get("/v1/networks/lv/contacts.csv")
    assert export.status == 200
    report = await imported(api, export.body, "network=lv", CSV)
    assert {i["status"] for i in report["items"]} == {"unchanged"}, report["items"][:3]


async def counted_import(
    conn: asyncpg.Connection, queries: Queries, body: bytes, dry_run: bool
) -> tuple[int, int, ReportJSON]:
    """The work an import does: the queries it issues on its connection (asyncpg's own
    logger) and the names it reads to compare (a profile hook counting calls), its report."""
    issued: list[object] = []
    names = _name_keys.__code__

    def count(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code is names:
            compared.append(None)

    compared: list[None] = []
    conn.add_query_logger(issued.append)
    sys.setprofile(count)
    try:
        report = await run_import(
            conn,
            queries,
            reader_for("csv", 1 << 24),
            pieces(body),
            Options(network="lt", dry_run=dry_run),
            Importer(is_admin=True, may_edit=lambda _: True),
        )
    finally:
        sys.setprofile(None)
        conn.remove_query_logger(issued.append)
    return len(issued), len(compared), report.as_json()


@pytest.mark.parametrize("dry_run", [False, True])
async def test_one_address_many_times_costs_what_many_addresses_cost(
    conn: asyncpg.Connection, queries: Queries, dry_run: bool
) -> None:
    """A file with one person a thousand times (a mail merge of `info@`), or a thousand people
    on one address, is matched and written a chunk at a time, not a row at a time: the
    queries issued grow with the chunks, as for a file of different addresses (each row
    waited for the one before it: 1,500 rows made 1,500 rounds, and a dry run rewrote the same
    row in one transaction, 8 s for 3,200 rows)."""
    given = ("Lina", "Rūta", "Jonas", "Aistė", "Eglė", "Žydrūnė")
    header = "First Name,Last Name,Mobile Phone,E-mail Address,Job Title\r\n"

    def outlook(rows: int, same: bool, address: str) -> bytes:
        lines = [
            f"{'Lina' if same else given[i % 6]},{'Kask' if same else f'Petraitė-{i}'},"
            f"8 612 {i:05d},{address if address else f'p{i}@example.lt'},Patarėja\r\n"
            for i in range(rows)
        ]
        return (header + "".join(lines)).encode()

    costs = {}
    for name, same, address in (
        ("different addresses", False, ""),
        ("one person", True, "info@ministerija.lt"),
        ("people on one address", False, "info@ministerija.lt"),
    ):
        issued, compared, report = await counted_import(
            conn, queries, outlook(1500, same, address), dry_run
        )
        assert report["rejected"] == 0, report["items"][:3]
        created = 1 if same else 1500
        assert (report["created"], report["updated"] + report["unchanged"]) == (
            created,
            1500 - created,
        )
        costs[name] = issued
        # Each row's name is read once, and each stored contact's once a chunk (a row is
        # never compared with every contact on its address: that was 750,000 for these).
        assert compared <= 3 * 1500, (name, compared)
    # Three chunks of 500: the same handful of queries each, whatever the file repeats.
    assert costs["one person"] <= costs["different addresses"] + 10, costs
    assert costs["people on one address"] <= costs["different addresses"] + 10, costs
    assert costs["different addresses"] < 100, costs


async def test_rows_meeting_nothing_are_never_folded(
    conn: asyncpg.Connection, queries: Queries
) -> None:
    """A row's names are folded only when its address meets a stored contact or an earlier
    row: a file of new people on new addresses folds no name (every named row cost ~12 µs of
    folding before), importing it again folds each row's names and each stored contact's."""
    header = "First Name,Last Name,E-mail Address\r\n"
    rows = "".join(f"Aistė,Kiselė-{i},fold{i}@example.lt\r\n" for i in range(1200))
    body = (header + rows).encode()
    _, compared, report = await counted_import(conn, queries, body, False)
    assert (report["created"], report["rejected"]) == (1200, 0), report["items"][:3]
    assert compared == 0, compared
    # The same addresses again (each now stored) and one repeated within the file: folded.
    again = body + b"Aiste,Kisele-0,fold0@example.lt\r\n"
    _, compared, report = await counted_import(conn, queries, again, False)
    assert (report["created"], report["rejected"]) == (0, 0), report["items"][:3]
    assert report["updated"] + report["unchanged"] == 1201, report
    assert 1201 <= compared <= 3 * 1201, compared
