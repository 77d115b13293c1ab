"""Text is NFC from the edge on, search folds every accent, phones are read as people write them."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import asyncpg
import pytest

from tests.support.api import Api

pytestmark = pytest.mark.usefixtures("demo")


def nfd(text: str) -> str:
    """The decomposed form a Mac keyboard or a PDF hands over."""
    return unicodedata.normalize("NFD", text)


async def test_decomposed_names_are_stored_composed_and_found_either_way(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    api = directory.as_(admin_token)
    body = {
        "given_name": nfd("Aistė"),
        "family_name": nfd("Kiseliūnienė"),
        "titles": {"lt": nfd("Vyriausioji specialistė")},
        "networks": ["lt"],
    }
    assert body["family_name"] != "Kiseliūnienė"  # the test really sends NFD
    created = await api.post("/v1/contacts", json=body)
    assert created.status == 201, created.text
    assert created.json["display_name"] == "Aistė Kiseliūnienė"
    stored = await conn.fetchrow(
        "SELECT family_name, titles FROM contacts WHERE id = $1", created.json["id"]
    )
    assert stored is not None
    assert stored["family_name"] == "Kiseliūnienė"  # NFC in the database
    assert stored["titles"] == {"lt": "Vyriausioji specialistė"}
    for query in ("Kiseliūnienė", nfd("Kiseliūnienė"), "kiseliuniene", "KISELIŪNIENĖ"):
        found = await directory.get(f"/v1/networks/lt/contacts?q={quote(query)}")
        assert [c["id"] for c in found.json["items"]] == [created.json["id"]], query


async def test_the_query_limit_counts_characters_after_normalisation(directory: Api) -> None:
    composed = "ėū" * 30  # 60 letters, 120 code points when decomposed
    assert len(nfd(composed)) == 120
    reply = await directory.get(f"/v1/networks/lt/contacts?q={quote(nfd(composed))}")
    assert reply.status == 200, reply.text
    too_long = await directory.get(f"/v1/networks/lt/contacts?q={quote('ė' * 101)}")
    assert too_long.problem_fields() == ["q"]


async def test_search_folds_letters_without_a_decomposition(
    directory: Api, admin_token: str
) -> None:
    api = directory.as_(admin_token)
    created = await api.post(
        "/v1/contacts",
        json={"given_name": "Łucja", "family_name": "Søndergård-Đorđević", "networks": ["lt"]},
    )
    assert created.status == 201, created.text
    for query in ("lucja", "sondergard", "dordevic"):
        found = await directory.get(f"/v1/networks/lt/contacts?q={query}")
        assert [c["id"] for c in found.json["items"]] == [created.json["id"]], query


async def test_search_folds_sharp_s_as_ss_not_as_any_s(directory: Api, admin_token: str) -> None:
    """ß folds to "ss" (as casefold writes it): "Straße" is found as strasse or straße, and a
    search for ß finds no one whose name merely has an s (it found every one)."""
    api = directory.as_(admin_token)
    created = await api.post(
        "/v1/contacts",
        json={"given_name": "Jürgen", "family_name": "Großmann-Straße", "networks": ["lt"]},
    )
    assert created.status == 201, created.text
    for query in ("ß", "grossmann", "GROẞMANN", "straße", "strasse"):
        found = await directory.get(f"/v1/networks/lt/contacts?q={quote(query)}")
        assert [c["id"] for c in found.json["items"]] == [created.json["id"]], query
    for query in ("grosmann", "strase"):
        found = await directory.get(f"/v1/networks/lt/contacts?q={quote(query)}")
        assert found.json["items"] == [], query


async def test_phones_national_extension_and_duplicates(directory: Api, admin_token: str) -> None:
    api = directory.as_(admin_token)
    created = await api.post(
        "/v1/contacts",
        json={
            "given_name": "Viivian",
            "family_name": "Jõemets",
            "networks": ["ee"],
            "phones": [
                "5555 1234",  # national, read in Estonia (the network's country)
                {"number": "+370 5 200 0009 ext. 5555", "kind": "work"},
                {"number": "+372 5555 1234", "kind": "cell"},  # the first one again
            ],
        },
    )
    assert created.status == 201, created.text
    assert created.json["phones"] == [
        {"e164": "+37255551234", "written": "5555 1234", "kind": "cell", "extension": None},
        {
            "e164": "+37052000009",
            "written": "+370 5 200 0009 ext. 5555",
            "kind": "work",
            "extension": "5555",
        },
    ]
    # The API still refuses a number it cannot read: a person typing it can fix it.
    refused = await api.post(
        "/v1/contacts", json={"given_name": "X", "networks": ["ee"], "phones": ["12"]}
    )
    assert refused.problem_fields() == ["phones[0].number"]


async def test_the_same_national_number_is_read_in_each_networks_country(
    directory: Api, admin_token: str
) -> None:
    # Readings are remembered per (number, country): Estonia's answer is never Latvia's.
    api = directory.as_(admin_token)
    for network, status in (("ee", 201), ("lv", 422), ("ee", 201), ("lv", 422)):
        answer = await api.post(
            "/v1/contacts",
            json={"given_name": "Aistė", "networks": [network], "phones": ["5556 4321"]},
        )
        assert answer.status == status, (network, answer.text)
        if status == 422:
            assert answer.problem_fields() == ["phones[0].number"]
        else:
            assert answer.json["phones"][0]["e164"] == "+37255564321"


async def test_saving_a_contact_unchanged_keeps_its_revision(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    api = directory.as_(admin_token)
    created = await api.post(
        "/v1/contacts",
        json={
            "given_name": "Daina",
            "family_name": "Mežecka",
            "networks": [{"network": "lv", "role": "coordinator"}],
            "phones": [{"number": "6703 9252", "kind": "fax"}],
        },
    )
    assert created.status == 201, created.text
    contact = created.json
    # An unreadable number stored by an import survives a save that sends it back.
    await conn.execute(
        "INSERT INTO contact_phones (contact_id, position, e164, written, kind) "
        "VALUES ($1, 1, NULL, 'ask the secretary', 'work')",
        contact["id"],
    )
    again = await api.get(f"/v1/contacts/{contact['id']}")
    same = {
        "given_name": again.json["given_name"],
        "family_name": again.json["family_name"],
        "networks": again.json["networks"],
        "phones": [{"number": p["written"], "kind": p["kind"]} for p in again.json["phones"]],
        "revision": again.json["revision"],
    }
    saved = await api.patch(f"/v1/contacts/{contact['id']}", json=same)
    assert saved.status == 200, saved.text
    assert saved.json["revision"] == again.json["revision"]
    assert saved.json["phones"] == again.json["phones"]
    changed = await api.patch(f"/v1/contacts/{contact['id']}", json={"given_name": "Dace"})
    assert changed.json["revision"] == again.json["revision"] + 1
