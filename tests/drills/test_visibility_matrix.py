"""Every public route of every service, generated from the OpenAPI documents, hides hidden contacts.

Two contacts are hidden: one only in a private network, one in a public network under a
private one. Every GET (and every public POST) of the directory, the vcard and the mailing
service is called with every value of its path parameters (hidden ones too) and with and
without `member`, `q`, `lang` and paging, as anonymous, as the service credential and as
another network's coordinator (API and read token); no answer may carry anything of theirs.
CardDAV, which OpenAPI cannot describe, is walked the same way. An admin finds them, so the
walk does reach them.
"""

from __future__ import annotations

import importlib
import io
import itertools
import re
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.directory.cards import render_token, reveal_token, token_bucket
from services.mailing.app import create_app as create_mailing
from shared.settings import Settings
from shared.web import load_openapi
from tests.conftest import SERVICE_TOKEN, MakeAccount
from tests.support.api import Api
from tests.support.dav import SYNC, basic
from tests.support.openapi import OpenApi
from tests.support.services import Pair

pytestmark = [pytest.mark.usefixtures("demo"), pytest.mark.timeout(600)]

SERVICES = ("directory", "vcard", "mailing")
LANGS = ("en", "et", "lv", "lt")
HIDDEN_NETWORKS: list[dict[str, Any]] = [
    {
        "slug": "salajane",
        "names": {"et": "Salajane võrk", "en": "Secret network"},
        "is_private": True,
    },
    {"slug": "varjatud", "names": {"lv": "Slēptais tīkls", "en": "Veiled"}, "is_private": True},
    {"slug": "avalik-laps", "parent": "varjatud", "names": {"lt": "Viešas vaikas"}},
]
MIXED = {"given_name": "Inese", "family_name": "Divtīklu", "networks": ["lv", "salajane"]}
HIDDEN_CONTACTS: list[dict[str, Any]] = [
    {"given_name": "Žaneta", "family_name": "Slaptažodienė", "emails": ["zaneta@slapta.lt"],
     "networks": ["salajane"], "phones": ["+370 612 34567"]},
    {"given_name": "Õie", "family_name": "Peiduvõrgu", "emails": ["oie@peidus.ee"],
     "networks": ["avalik-laps"], "titles": {"et": "Varjatud nõunik"}},
]  # fmt: skip


@dataclass
class World:
    """The running services, the callers, and what must never be shown."""

    apis: dict[str, Api]
    settings: Settings
    callers: dict[str, str | None]
    values: dict[str, list[str]]
    hidden_ids: set[str]
    hidden_slugs: set[str]
    markers: list[str] = field(default_factory=list)
    # The Origin of the directory's own iframe, so that reveals get past the origin check.
    iframe: dict[str, str] = field(default_factory=dict)


def _parameter(document: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in raw:
        name = raw["$ref"].rsplit("/", 1)[-1]
        return dict(document["components"]["parameters"][name])
    return raw


def operations(service: str) -> Iterator[tuple[str, str, list[dict[str, Any]], str]]:
    """(method, path template, parameters, x-permission) of every public route of a service."""
    module = importlib.import_module(f"services.{service}.paths")
    document = load_openapi(module.OPENAPI)
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            access = operation.get("x-permission", "public" if method == "get" else "")
            if method == "get" or access == "public":
                raw = shared + operation.get("parameters", [])
                yield method.upper(), path, [_parameter(document, p) for p in raw], access


def path_values(world: World, template: str) -> list[str]:
    """Every concrete path of a template, hidden things included; unknown kinds fail."""
    names = re.findall(r"{([^}]+)}", template)
    choices = []
    for name in names:
        # Named by the path segment before the one holding the parameter.
        before = template.split("{" + name + "}")[0].rsplit("/", 1)[0].rsplit("/", 1)[-1]
        key = f"{before}/{name}"
        assert key in world.values, f"no values for {{{name}}} after /{before}/ in {template}"
        choices.append(world.values[key])
    found = []
    for combination in itertools.product(*choices):
        path = template
        for name, value in zip(names, combination, strict=True):
            path = path.replace("{" + name + "}", value, 1)
        found.append(path)
    return found


def query_variants(world: World, parameters: list[dict[str, Any]]) -> list[dict[str, str]]:
    """No query, each query parameter alone, and member, q and lang combined with each other."""
    names = {p["name"] for p in parameters if p.get("in") == "query"}
    singles: dict[str, list[str]] = {
        "lang": list(LANGS),
        "member": world.values["networks/slug"],
        "q": ["d"],  # matches both hidden names, and most others
        "include_unpublished": ["true"],
        "format": ["4.0", "jcard"],
        "flavour": ["outlook"],
        "reveal": world.values["reveal"],
        "t": world.values["render"],
        "since": world.values["since"],
        "network": world.values["networks/slug"],
        "status": ["confirmed"],
        "slices": ["3"],
        "name": ["Žaneta"],
        "limit": ["2"],
    }
    variants: list[dict[str, str]] = [{}]
    for name in sorted(names & singles.keys()):
        variants += [{name: v} for v in singles[name]]
    for a, b in (("member", "q"), ("q", "lang"), ("since", "network")):
        if {a, b} <= names:
            variants += [{a: x, b: y} for x in singles[a] for y in singles[b]]
    if {"member", "limit"} <= names:
        variants += [{"member": m, "limit": "2"} for m in singles["member"]]
    return variants


async def fetch(
    api: Api, method: str, url: str, token: str | None, **kwargs: Any
) -> tuple[int, str]:
    """Status and body as text (ZIP entries unpacked); no 5xx, ever."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers |= kwargs.pop("headers", {})
    async with api.client.request(method, url, headers=headers, **kwargs) as response:
        body = await response.read()
        status = response.status
    assert status < 500, f"{method} {url}: {status}"
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"\n".join(archive.read(n) for n in archive.namelist())
    return status, body.decode("utf-8", "replace")


async def pages(api: Api, url: str, token: str | None) -> AsyncIterator[tuple[str, int, str]]:
    """A GET and, when it is a page of a listing, every page after it."""
    while url:
        status, text = await fetch(api, "GET", url, token)
        yield url, status, text
        following = re.search(r'"next":"([^"]+)"', text)
        url = "" if status != 200 or not following else following[1]
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"


def names_hidden(world: World, url: str) -> bool:
    """Whether the request names a hidden contact or network (then it must not succeed)."""
    parts = re.split(r"[/?&=.]", url)
    return bool(world.hidden_ids & set(parts) or world.hidden_slugs & set(parts))


def leaks(world: World, text: str, asked: str) -> list[str]:
    """The markers of hidden things in an answer, but for those the request itself named."""
    lowered, echoed = text.casefold(), asked.casefold()
    return [m for m in world.markers if m.casefold() in lowered and m.casefold() not in echoed]


async def walk(world: World, who: str, *, full: bool) -> list[str]:
    """Every public route for one caller; what leaked, as readable lines."""
    found = []
    token = world.callers[who]
    for service in SERVICES:
        api = world.apis[service]
        for method, template, parameters, _ in operations(service):
            for path in path_values(world, template):
                variants = query_variants(world, parameters) if full else [{}]
                for query in variants:
                    url = f"{path}?{urlencode(query)}" if query else path
                    if method == "POST":
                        status, text = await fetch(
                            api, "POST", url, token, **_post_body(world, path)
                        )
                        answers = [(url, status, text)]
                    else:
                        answers = [a async for a in pages(api, url, token)]
                    for seen, status, text in answers:
                        if names_hidden(world, seen) and 200 <= status < 300 and who != "admin":
                            found.append(f"{who}: {method} {seen} answered {status}")
                        shown = leaks(world, text, seen + str(_post_body(world, path)))
                        found += [f"{who}: {method} {seen} shows {m!r}" for m in shown]
    return found


def _post_body(world: World, path: str) -> dict[str, Any]:
    """Public POSTs: reveals with hidden contacts' tokens; anything else gets an empty form."""
    if path == "/v1/reveal":
        return {"json": {"token": world.values["render"][0]}, "headers": world.iframe}
    if path.startswith("/reveal/"):
        return {"data": {"t": world.values["render"][0], "challenge": "x", "answer": "7"}}
    return {"data": {}}


async def walk_carddav(world: World, who: str) -> list[str]:
    """PROPFIND, sync and multiget on every address book, hidden ones included."""
    vcard = world.apis["vcard"]
    token = world.callers[who]
    auth = basic(token) if token else {}
    found = []
    books = [*world.values["networks/slug"], ""]
    for book in books:
        path = f"/dav/addressbooks/{book}/" if book else "/dav/addressbooks/"
        hrefs = "".join(f"<D:href>{path}{u}.vcf</D:href>" for u in world.values["uids"])
        requests = [
            ("PROPFIND", path, "", {"Depth": "1"}),
            ("REPORT", path, SYNC.format(token=""), {}),
            ("REPORT", path, MULTIGET.format(hrefs=hrefs), {}),
            ("REPORT", path, QUERY, {}),
            *[("GET", f"{path}{u}.vcf", "", {}) for u in world.values["uids"] if book],
        ]
        for method, url, body, headers in requests:
            async with vcard.client.request(
                method, url, data=body.encode(), headers=headers | auth
            ) as response:
                text = await response.text()
                status = response.status
            assert status < 500, (method, url, status)
            if names_hidden(world, url) and 200 <= status < 300 and who != "admin":
                found.append(f"{who}: {method} {url} answered {status}")
            shown = leaks(world, text, url + body)
            found += [f"{who}: {method} {url} shows {m!r}" for m in shown]
    return found


MULTIGET = """<?xml version="1.0"?>
<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
<D:prop><D:getetag/><C:address-data/></D:prop>{hrefs}</C:addressbook-multiget>"""
QUERY = """<?xml version="1.0"?>
<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
<D:prop><D:getetag/><C:address-data/></D:prop>
<C:filter><C:prop-filter name="FN"><C:text-match>a</C:text-match></C:prop-filter></C:filter>
</C:addressbook-query>"""


@pytest.fixture
async def world(
    services: Pair, settings: Settings, admin_token: str, make_account: MakeAccount
) -> AsyncIterator[World]:
    """The demo, two hidden contacts, a mailing service on the same directory, the callers."""
    admin = services.directory.as_(admin_token)
    since = (await services.directory.as_(SERVICE_TOKEN).get("/v1/sync")).json["token"]
    for network in HIDDEN_NETWORKS:
        assert (await admin.post("/v1/networks", json=network)).status == 201
    hidden = [(await admin.post("/v1/contacts", json=c)).json for c in HIDDEN_CONTACTS]
    # Seen by all through Latvia, but its private network is not.
    mixed = await admin.post("/v1/contacts", json=MIXED)
    assert mixed.status == 201
    _, api_token = await make_account("lv@example.lv", permissions={"lv": PERMISSIONS})
    _, read_token = await make_account("lv@example.lv", kind="read")
    directory_url = str(services.directory_server.make_url("")).rstrip("/")
    configured = settings.replace(
        directory_url=directory_url,
        mailing_worker=False,
        smtp_url="smtp://127.0.0.1:9",  # nothing is sent: no worker
    )
    mailing = TestClient(TestServer(create_mailing(configured), host="127.0.0.1"))
    await mailing.start_server()
    mailing_api = Api(mailing, _spec("mailing"))
    lists = mailing_api.as_(admin_token)
    for slug, owner in (("salajased-uudised", "salajane"), ("laste-uudised", "avalik-laps")):
        body = {
            "slug": slug,
            "network": owner,
            "lang": "et",
            "names": {"et": slug},
            "from_name": "Uudised",
            "from_address": "uudised@example.ee",
        }
        assert (await lists.post("/v1/lists", json=body)).status == 201
    contacts = (await admin.get("/v1/networks/for-in/contacts?limit=200")).json["items"]
    networks = (await admin.get("/v1/networks")).json["items"]
    secret = settings.secret_key
    assert secret
    # Hidden contacts, the one in two networks, and one other: the rest add nothing.
    ids = [str(c["id"]) for c in [*hidden, mixed.json, contacts[0]]]
    world = World(
        apis={"directory": services.directory, "vcard": services.vcard, "mailing": mailing_api},
        settings=settings,
        callers={
            "anonymous": None,
            "service": SERVICE_TOKEN,
            "other network's coordinator": api_token,
            "other network's phone": read_token,
            "admin": admin_token,
        },
        values={
            "networks/slug": [n["slug"] for n in networks],
            "widget/network": [n["slug"] for n in networks],
            "embed/network": [n["slug"] for n in networks],
            "fragment/network": [n["slug"] for n in networks],
            "contacts/id": ids,
            "reveal/id": ids,
            "organisations/slug": ["unhcr-nordic-baltic", "nope"],
            "static/stem": ["widget"],
            "static/digest": ["0" * 12],
            "static/ext": ["js"],
            "accounts/id": ["1", "2", "3"],
            "lists/slug": ["salajased-uudised", "laste-uudised", "nope"],
            "subscribe/slug": ["salajased-uudised", "laste-uudised"],
            "campaigns/id": ["1"],
            "members/id": ["1", "2"],
            "suppressions/address": [*HIDDEN_CONTACTS[0]["emails"], "nobody@example.ee"],
            "preferences/token": ["x.y"],
            "manage/key": ["not-a-key"],
            "confirm/token": ["x.y"],
            "unsubscribe/token": ["x.y"],
            "render": [render_token(settings, h["id"], token_bucket()) for h in hidden],
            "reveal": [reveal_token(settings, h["id"]) for h in hidden],
            "since": [since],
            "uids": [c["uid"] for c in [*contacts, *hidden]],
        },
        hidden_ids={str(h["id"]) for h in hidden},
        hidden_slugs={n["slug"] for n in HIDDEN_NETWORKS},
        iframe=services.iframe,
    )
    for h in hidden:
        world.markers += [h["family_name"], h["uid"], *h["emails"], f'"id":{h["id"]},']
    for n in HIDDEN_NETWORKS:
        world.markers += [n["slug"], *n["names"].values()]
    yield world
    await mailing.close()


PERMISSIONS = ("edit_contacts", "manage_lists", "send_campaigns")


def _spec(service: str) -> OpenApi:
    return OpenApi(load_openapi(importlib.import_module(f"services.{service}.paths").OPENAPI))


async def test_no_public_route_shows_a_hidden_contact_to_anyone_who_may_not_see_it(
    world: World,
) -> None:
    leaked = await walk(world, "anonymous", full=True)
    for who in ("service", "other network's coordinator", "other network's phone"):
        leaked += await walk(world, who, full=False)
    for who in ("anonymous", "other network's phone"):
        leaked += await walk_carddav(world, who)
    assert not leaked, "\n".join(leaked)
    # The walk reaches them: an admin sees both, in the directory's and the vcard's answers.
    seen = await walk(world, "admin", full=False) + await walk_carddav(world, "admin")
    for h in HIDDEN_CONTACTS:
        assert any(h["family_name"] in line and "/v1/networks/" in line for line in seen), h
        assert any(h["family_name"] in line and "/dav/" in line for line in seen), h
    assert any("/v1/contacts/" in line and "salajane" in line for line in seen)
