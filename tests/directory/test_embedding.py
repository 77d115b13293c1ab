"""Reveals answer only the pages that embed a network, and budgets count IPv6 per /64.

Issue 14, item 2: with no site listed, any page could read the widget and reveal every
address from each visitor's browser; a request naming no origin passed; each IPv6 address
had a budget of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.directory.app import create_app
from shared.http import origin_of
from shared.settings import SPEC, Settings
from tests.support.api import Api
from tests.support.openapi import OpenApi

pytestmark = pytest.mark.usefixtures("demo")

EVIL = {"Origin": "https://evil.example"}
NORDEN = {"Origin": "https://www.norden.ee"}
EESTI = {"Origin": "https://www.eesti.ee"}
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}
README = Path(__file__).parents[2] / "README.md"


async def _token(directory: Api, member: str, name: str) -> str:
    cards = (await directory.get(f"/v1/widget/for-in?member={member}")).json["cards"]
    return str(next(c["token"] for c in cards if c["name"] == name))


async def test_with_no_site_listed_only_the_directorys_own_pages_reveal(
    directory: Api, settings: Settings, iframe: dict[str, str]
) -> None:
    widget = await directory.get("/v1/widget/for-in", headers=EVIL)
    assert "Access-Control-Allow-Origin" not in widget.headers
    framed = await directory.get("/embed/for-in")
    console = origin_of(settings.public_console_base)
    assert f"frame-ancestors {console}" in framed.headers["Content-Security-Policy"]
    preflight = await directory.client.options("/v1/reveal", headers=EVIL | PREFLIGHT)
    assert preflight.status == 204
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Methods" not in preflight.headers

    token = await _token(directory, "ee", "Madis Kanarbik")
    for headers in ({}, EVIL, {"Origin": "null"}):
        refused = await directory.post("/v1/reveal", json={"token": token}, headers=headers)
        assert refused.status == 403, headers
        assert "@" not in refused.text
    # A "simple" request (text/plain, no preflight) from another site is refused as well.
    async with directory.client.post(
        "/v1/reveal",
        data=f'{{"token": "{token}"}}',
        headers=EVIL | {"Content-Type": "text/plain;charset=UTF-8"},
    ) as simple:
        assert 400 <= simple.status < 500
        assert "@" not in await simple.text()
    # The directory's own iframe and the console's live preview do reveal.
    for headers in (iframe, {"Origin": console}):
        shown = await directory.post("/v1/reveal", json={"token": token}, headers=headers)
        assert shown.json["emails"] == ["madis.kanarbik@norden.ee"], headers


async def test_reveals_answer_the_sites_each_network_lists(
    directory: Api, admin_token: str
) -> None:
    admin = directory.as_(admin_token)
    for slug, origins in (("for-in", NORDEN), ("ee", EESTI)):
        # As an address bar copies a site: a trailing "/" is the site itself.
        body = {"embed_origins": [origins["Origin"] + "/"]}
        saved = await admin.patch(f"/v1/networks/{slug}", json=body)
        assert saved.json["embed_origins"] == [origins["Origin"]]
    page = await admin.patch("/v1/networks/ee", json={"embed_origins": ["https://ee.example/a"]})
    assert page.problem_fields() == ["embed_origins[0]"]
    assert (await admin.get("/v1/networks/ee")).json["embed_origins"] == [EESTI["Origin"]]
    secret = {
        "slug": "salajane",
        "names": {"et": "Salajane"},
        "is_private": True,
        "embed_origins": ["https://salajane.example"],
    }
    assert (await admin.post("/v1/networks", json=secret)).status == 201
    estonian = await _token(directory, "ee", "Madis Kanarbik")
    latvian = await _token(directory, "lv", "Daina Mežecka")
    # for-in's site shows everyone below it; ee's site shows only ee's contacts.
    for token, headers, status in (
        (estonian, NORDEN, 200),
        (estonian, EESTI, 200),
        (latvian, NORDEN, 200),
        (latvian, EESTI, 403),
        (estonian, EVIL, 403),
        (estonian, {}, 403),
    ):
        reply = await directory.post("/v1/reveal", json={"token": token}, headers=headers)
        assert reply.status == status, (headers, reply.text)
        if status == 200:
            assert reply.headers["Access-Control-Allow-Origin"] == headers["Origin"]
    # The preflight admits the sites public networks list, and only them.
    for headers, admitted in (
        (NORDEN, True),
        (EESTI, True),
        (EVIL, False),
        ({"Origin": "https://salajane.example"}, False),
    ):
        answer = await directory.client.options("/v1/reveal", headers=headers | PREFLIGHT)
        allowed = answer.headers.get("Access-Control-Allow-Origin")
        assert allowed == (headers["Origin"] if admitted else None), headers
    assert (await directory.get("/v1/widget/lv", headers=EESTI)).headers.get(
        "Access-Control-Allow-Origin"
    ) is None


@pytest.fixture
async def behind_proxy(settings: Settings, directory_spec: OpenApi) -> AsyncIterator[Api]:
    """The directory behind a trusted proxy, with the default budget."""
    app = create_app(settings.replace(trusted_proxies=("127.0.0.0/8",)))
    async with TestClient(TestServer(app)) as client:
        yield Api(client, directory_spec)


async def test_ipv6_clients_share_the_budget_of_their_64(
    behind_proxy: Api, settings: Settings, directory_spec: OpenApi, iframe: dict[str, str]
) -> None:
    limit = settings.reveal_limit
    token = await _token(behind_proxy, "lt", "Vida Gintautaitė")

    async def reveal(api: Api, address: str) -> int:
        headers = iframe | {"X-Forwarded-For": address}
        return (await api.post("/v1/reveal", json={"token": token}, headers=headers)).status

    # Each request from a new address of the same /64, as a harvester rotating them would.
    got = [await reveal(behind_proxy, f"2001:db8:1:2::{n:x}") for n in range(1, limit + 6)]
    assert got == [200] * limit + [429] * 5
    assert await reveal(behind_proxy, "2001:db8:1:2:ffff:ffff:ffff:ffff") == 429
    assert await reveal(behind_proxy, "2001:db8:1:3::1") == 200  # the next /64 is another line
    # An IPv4 address written as IPv6 is the same client.
    assert await reveal(behind_proxy, "203.0.113.7") == 200
    assert await reveal(behind_proxy, "::ffff:203.0.113.7") == 200
    # Configurable: /128 counts each address.
    app = create_app(settings.replace(trusted_proxies=("127.0.0.0/8",), budget_ipv6_prefix=128))
    async with TestClient(TestServer(app)) as client:
        single = Api(client, directory_spec)
        assert await reveal(single, "2001:db8:1:2::ffff") == 200


async def test_the_readme_says_what_a_harvester_gets_per_hour(
    behind_proxy: Api, admin_token: str, settings: Settings
) -> None:
    """A scripted harvester with every token, from one address: what the README promises."""
    # The defaults, which the tests' settings leave as they are.
    limit, window = settings.reveal_limit, settings.reveal_window
    assert (limit, window) == (SPEC["reveal_limit"].default, SPEC["reveal_window"].default)
    listed = {"embed_origins": ["https://www.norden.ee"]}
    admin = behind_proxy.as_(admin_token)
    assert (await admin.patch("/v1/networks/for-in", json=listed)).status == 200
    cards = (await behind_proxy.get("/v1/widget/for-in")).json["cards"]
    tokens = [c["token"] for c in cards if c["has_email"]]
    for origin in ({}, EVIL):  # no page, or a page elsewhere: nothing
        for token in tokens:
            headers = origin | {"X-Forwarded-For": "198.51.100.20"}
            reply = await behind_proxy.post("/v1/reveal", json={"token": token}, headers=headers)
            assert reply.status == 403
    statuses: list[int] = []
    while len(statuses) < limit + 5:  # claiming to be the listed site, round and round
        for token in tokens:
            headers = NORDEN | {"X-Forwarded-For": "198.51.100.20"}
            reply = await behind_proxy.post("/v1/reveal", json={"token": token}, headers=headers)
            statuses.append(reply.status)
            assert ("@" in reply.text) == (reply.status == 200)
    assert statuses[: limit + 5] == [200] * limit + [429] * 5
    text = " ".join(README.read_text(encoding="utf-8").split())
    per_hour = limit * 3600 // window
    promise = (
        f"a scripted harvester gets at most {limit} reveals per {window // 60} minutes, "
        f"about {per_hour} an hour, from one IPv4 address or one IPv6 /64"
    )
    assert promise in text, promise
    assert "A page on a site the network does not list gets no address at all" in text
