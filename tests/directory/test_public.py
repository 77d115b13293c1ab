"""The public read API: networks, contacts, languages, search, pagination, caching, no e-mail."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DEMO_EMAILS
from tests.support.api import Api

pytestmark = pytest.mark.usefixtures("demo")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


async def test_networks_are_a_hierarchy_with_names_per_language(directory: Api) -> None:
    reply = await directory.get("/v1/networks?lang=lv")
    assert reply.status == 200
    by_slug = {n["slug"]: n for n in reply.json["items"]}
    assert set(by_slug) == {"for-in", "ee", "lv", "lt", "nordic-baltic"}
    assert by_slug["ee"]["parent"] == "for-in"
    assert by_slug["ee"]["name"] == "Igaunija"
    assert by_slug["lt"]["default_lang"] == "lt"
    detail = await directory.get("/v1/networks/for-in?lang=et")
    assert detail.json["name"] == "Põhjamaade ja Balti riikide ühisprojekt FOR-IN"
    assert [m["slug"] for m in detail.json["members"]] == ["ee", "lv", "lt", "nordic-baltic"]


async def test_unknown_network_is_a_404_problem(directory: Api) -> None:
    reply = await directory.get("/v1/networks/nowhere")
    assert reply.status == 404
    assert "nowhere" in reply.json["detail"]


async def test_member_filter_and_language_fallback(directory: Api) -> None:
    reply = await directory.get("/v1/networks/for-in/contacts?member=ee&lang=et")
    names = [c["display_name"] for c in reply.json["items"]]
    assert names[:4] == ["Madis Kanarbik", "Anne-Ly Reimaa", "Viivian Jõemets", "Janika Hango"]
    joemets = reply.json["items"][2]
    assert joemets["title"] == "Peaekspert"
    assert joemets["organisation"]["name"] == "Haridus- ja Teadusministeerium"
    kanarbik = reply.json["items"][0]
    assert [p["e164"] for p in kanarbik["phones"]] == ["+3727423625", "+3725046570"]
    assert kanarbik["phones"][0]["written"] == "+372 7423 625"
    # Latvian asked, no Latvian title: the member network's default (et) comes next.
    lv = await directory.get("/v1/networks/for-in/contacts?member=ee&lang=lv")
    assert lv.json["items"][2]["title"] == "Peaekspert"
    # Lithuanian network, no Lithuanian title: falls back to English.
    lt = await directory.get("/v1/networks/for-in/contacts?member=lt")
    assert lt.json["items"][0]["title"] == "Adviser for Social and Health issues"


async def test_member_must_belong_to_the_network(directory: Api) -> None:
    reply = await directory.get("/v1/networks/ee/contacts?member=lv")
    assert reply.status == 422
    assert reply.problem_fields() == ["member"]


async def test_bad_language_is_named(directory: Api) -> None:
    reply = await directory.get("/v1/networks?lang=de")
    assert reply.status == 422
    assert reply.problem_fields() == ["lang"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kiseviciene", "Lina Kisevičienė"),
        ("KISEVIČIENĖ", "Lina Kisevičienė"),
        ("joemets", "Viivian Jõemets"),
        ("mezecka", "Daina Mežecka"),
        ("unhcr", "Karolis Zibas"),
        ("lace", "Agnese Lāce"),
    ],
)
async def test_search_ignores_case_and_diacritics(
    directory: Api, query: str, expected: str
) -> None:
    reply = await directory.get(f"/v1/networks/for-in/contacts?q={query}")
    assert [c["display_name"] for c in reply.json["items"]] == [expected]


async def test_search_treats_wildcards_literally(directory: Api) -> None:
    reply = await directory.get("/v1/networks/for-in/contacts?q=%25")
    assert reply.json["items"] == []


async def test_keyset_pagination_visits_every_contact_once(directory: Api) -> None:
    seen: list[int] = []
    url: str | None = "/v1/networks/for-in/contacts?limit=5"
    pages = 0
    while url:
        reply = await directory.get(url)
        assert reply.status == 200
        seen += [c["id"] for c in reply.json["items"]]
        url = reply.json["next"]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 12


async def test_bad_cursor_and_limit_are_named(directory: Api) -> None:
    assert (await directory.get("/v1/networks/for-in/contacts?after=xyz")).problem_fields() == [
        "after"
    ]
    assert (await directory.get("/v1/networks/for-in/contacts?limit=0")).problem_fields() == [
        "limit"
    ]
    assert (await directory.get("/v1/networks/for-in/contacts?limit=a")).problem_fields() == [
        "limit"
    ]


async def test_etag_gives_304_until_something_changes(directory: Api, admin_token: str) -> None:
    first = await directory.get("/v1/networks/for-in/contacts?member=lt")
    etag = first.headers["ETag"]
    again = await directory.get(
        "/v1/networks/for-in/contacts?member=lt", headers={"If-None-Match": etag}
    )
    assert again.status == 304
    assert again.body == b""
    contact_id = first.json["items"][0]["id"]
    changed = await directory.as_(admin_token).patch(
        f"/v1/contacts/{contact_id}", json={"position": 99}
    )
    assert changed.status == 200
    after = await directory.get(
        "/v1/networks/for-in/contacts?member=lt", headers={"If-None-Match": etag}
    )
    assert after.status == 200
    assert after.headers["ETag"] != etag


async def test_single_contact(directory: Api) -> None:
    listing = await directory.get("/v1/networks/for-in/contacts?member=lv")
    mezecka = next(c for c in listing.json["items"] if c["family_name"] == "Mežecka")
    reply = await directory.get(f"/v1/contacts/{mezecka['id']}?lang=et")
    assert reply.json["title"] == "Sotsiaalse heaolu ja kodanikuühiskonna nõunik"
    assert reply.json["has_email"] is True
    assert "emails" not in reply.json
    assert (await directory.get("/v1/contacts/999999")).status == 404
    assert (await directory.get("/v1/contacts/abc")).status == 404
    # Digits str.isdigit() admits and int() refuses: still "no such contact", never a 500.
    assert (await directory.get("/v1/contacts/%C2%B2")).status == 404
    assert (await directory.get("/reveal/%C2%B2")).status == 404


async def test_no_email_address_in_any_public_response(directory: Api) -> None:
    urls = ["/v1/networks", "/v1/networks/for-in", "/v1/organisations", "/openapi.json"]
    for member in ("", "ee", "lv", "lt", "nordic-baltic"):
        for lang in ("en", "et", "lv", "lt"):
            urls.append(f"/v1/networks/for-in/contacts?member={member}&lang={lang}")
    listing = await directory.get("/v1/networks/for-in/contacts")
    urls += [f"/v1/contacts/{c['id']}" for c in listing.json["items"]]
    for url in urls:
        reply = await directory.get(url)
        assert reply.status == 200, url
        for address in DEMO_EMAILS:
            assert address not in reply.text, f"{address} leaked at {url}"
        local_parts = {a.split("@")[0] for a in DEMO_EMAILS}
        for found in EMAIL.findall(reply.text):
            assert found.split("@")[0] not in local_parts, f"{found} at {url}"


async def test_diacritics_survive_json(directory: Api) -> None:
    reply = await directory.get("/v1/networks/for-in/contacts?member=lt")
    assert "Kisevičienė" in reply.text  # sent as UTF-8, not \\u escapes
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"


async def test_organisations(directory: Api) -> None:
    reply = await directory.get("/v1/organisations?lang=lv")
    names = {o["slug"]: o["name"] for o in reply.json["items"]}
    assert names["social-integration-foundation"] == "Sabiedrības integrācijas fonds"
    one = await directory.get("/v1/organisations/providus")
    assert one.json["website"] == "https://providus.lv"
    assert (await directory.get("/v1/organisations/nope")).status == 404


async def test_reads_right_after_writes_are_never_stale(directory: Api, admin_token: str) -> None:
    listing = await directory.get("/v1/networks/for-in/contacts?member=lv")
    contact_id = listing.json["items"][0]["id"]
    for position in range(20):
        changed = await directory.as_(admin_token).patch(
            f"/v1/contacts/{contact_id}", json={"position": position}
        )
        assert changed.status == 200
        seen = await directory.get(f"/v1/contacts/{contact_id}")
        assert seen.json["position"] == position
