"""Widgets, iframe and fragment: no address before a person acts; reveal, limits, safety."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.directory.app import create_app
from shared.settings import Settings
from tests.conftest import DEMO_EMAILS
from tests.support.api import Api
from tests.support.harvesters import harvest
from tests.support.openapi import OpenApi

pytestmark = pytest.mark.usefixtures("demo")

MEMBERS = ["", "ee", "lv", "lt", "nordic-baltic"]
LANGS = ["en", "et", "lv", "lt"]


async def anonymous_surface(directory: Api) -> dict[str, str]:
    """Every response an anonymous caller can get from the directory, by URL."""
    urls = ["/widget.js", "/widget.css", "/openapi.json", "/v1/networks", "/v1/organisations"]
    for member in MEMBERS:
        for lang in LANGS:
            query = f"?member={member}&lang={lang}"
            urls += [
                f"/v1/widget/for-in{query}",
                f"/embed/for-in{query}",
                f"/fragment/for-in{query}",
                f"/v1/networks/for-in/contacts{query}",
            ]
    found: dict[str, str] = {}
    for url in urls:
        reply = await directory.get(url)
        assert reply.status == 200, url
        found[url] = reply.text
    # Follow every link on the pages, as a crawler does: reveal pages, stylesheets, scripts.
    links = set()
    for text in list(found.values()):
        links |= {m.replace("&amp;", "&") for m in re.findall(r'(?:href|src)="([^"]+)"', text)}
    for link in sorted(links):
        path = re.sub(r"^https?://[^/]+", "", link)
        if path.startswith("/") and not path.startswith("//"):
            reply = await directory.get(path)
            found[path] = reply.text
    return found


async def test_harvesters_l0_to_l2_find_no_address(directory: Api) -> None:
    surface = await anonymous_surface(directory)
    assert any("/reveal/" in url for url in surface), "reveal pages were not crawled"
    for url, text in surface.items():
        found = harvest(text)
        leaked = found & set(DEMO_EMAILS)
        assert not leaked, f"{leaked} found at {url}"


async def test_widget_json_has_tokens_and_labels_but_no_address(directory: Api) -> None:
    reply = await directory.get("/v1/widget/for-in?member=lt&lang=lt")
    data = reply.json
    assert data["labels"]["show_email"] == "Rodyti el. pašto adresą"
    assert data["title"] == "Lietuva"
    names = [c["name"] for c in data["cards"]]
    assert names == ["Vida Gintautaitė", "Lina Kisevičienė"]
    assert all(c["token"] and c["has_email"] for c in data["cards"])
    assert data["cards"][0]["phones"] == [{"tel": "+37068527738", "text": "+370 685 27738"}]
    assert reply.headers["Cache-Control"] == "no-store"
    # No site may read it until the network's owner lists one (see test_embedding.py).
    assert "Access-Control-Allow-Origin" not in reply.headers


async def test_reveal_gives_the_address_for_a_valid_token(
    directory: Api, iframe: dict[str, str]
) -> None:
    cards = (await directory.get("/v1/widget/for-in?member=lv&lang=lv")).json["cards"]
    mezecka = next(c for c in cards if c["name"] == "Daina Mežecka")
    reply = await directory.post(
        "/v1/reveal", json={"token": mezecka["token"], "lang": "lv"}, headers=iframe
    )
    assert reply.status == 200
    assert reply.json["emails"] == ["daina@norden.lv"]
    assert reply.json["name"] == "Daina Mežecka"
    assert "reveal=" in reply.json["vcard_url"]
    assert reply.headers["Cache-Control"] == "no-store"


async def test_forged_expired_and_foreign_tokens_get_no_address(
    directory: Api, settings: Settings, iframe: dict[str, str]
) -> None:
    from shared.signing import Keys

    keys = Keys.of(settings)
    cards = (await directory.get("/v1/widget/for-in?member=lt")).json["cards"]
    token = cards[0]["token"]
    body, _, mac = token.partition(".")
    forged = f"{body}.{mac[:-2]}AA"
    for bad in [
        forged,
        "garbage",
        Keys("another-key").sign("render", {"c": cards[0]["id"], "r": "x"}, 60),
        keys.sign("render", {"c": cards[0]["id"], "r": "x"}, -1),
        keys.sign("reveal", {"c": cards[0]["id"]}, 60),
    ]:
        reply = await directory.post("/v1/reveal", json={"token": bad}, headers=iframe)
        assert reply.status == 403, bad
        assert "@" not in reply.text
    no_token = await directory.post("/v1/reveal", json={}, headers=iframe)
    assert no_token.problem_fields() == ["token"]


@pytest.fixture
async def strict(settings: Settings, directory_spec: OpenApi) -> AsyncIterator[Api]:
    """The directory with a budget of three reveals per window."""
    app = create_app(settings.replace(reveal_limit=3, reveal_window=600))
    async with TestClient(TestServer(app)) as client:
        yield Api(client, directory_spec)


async def test_rate_limit_answers_429_in_the_page_language(
    strict: Api, iframe: dict[str, str]
) -> None:
    cards = (await strict.get("/v1/widget/for-in?lang=et")).json["cards"]
    tokens = [c["token"] for c in cards if c["has_email"]]
    for token in tokens[:3]:
        body = {"token": token, "lang": "et"}
        assert (await strict.post("/v1/reveal", json=body, headers=iframe)).status == 200
    body = {"token": tokens[3], "lang": "et"}
    limited = await strict.post("/v1/reveal", json=body, headers=iframe)
    assert limited.status == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 600
    assert limited.json["message"].startswith("Liiga palju päringuid.")
    assert "@" not in limited.text


async def test_trusted_proxy_decides_whose_budget_it_is(
    settings: Settings, directory_spec: OpenApi, iframe: dict[str, str]
) -> None:
    app = create_app(settings.replace(reveal_limit=1, trusted_proxies=("127.0.0.0/8",)))
    async with TestClient(TestServer(app)) as client:
        api = Api(client, directory_spec)
        token = (await api.get("/v1/widget/for-in?member=lt")).json["cards"][0]["token"]
        first = iframe | {"X-Forwarded-For": "203.0.113.7"}
        second = iframe | {"X-Forwarded-For": "203.0.113.8"}
        assert (await api.post("/v1/reveal", json={"token": token}, headers=first)).status == 200
        assert (await api.post("/v1/reveal", json={"token": token}, headers=first)).status == 429
        assert (await api.post("/v1/reveal", json={"token": token}, headers=second)).status == 200


async def test_the_budget_slides_over_the_window_edge(
    settings: Settings, directory_spec: OpenApi, conn: asyncpg.Connection, iframe: dict[str, str]
) -> None:
    # A client that spent its budget in the last window gets nothing new just because a
    # fixed window ended: the last window still counts, in proportion to its overlap.
    window = 3600
    app = create_app(
        settings.replace(reveal_limit=3, reveal_window=window, trusted_proxies=("127.0.0.0/8",))
    )
    await conn.execute(
        "INSERT INTO directory.rate_limits (bucket, window_start, hits) VALUES "
        "('reveal:203.0.113.9', "
        "to_timestamp(floor(extract(epoch FROM now()) / $1) * $1 - $1), 100000)",
        window,
    )
    async with TestClient(TestServer(app)) as client:
        api = Api(client, directory_spec)
        token = (await api.get("/v1/widget/for-in?member=lt")).json["cards"][0]["token"]
        straddling = iframe | {"X-Forwarded-For": "203.0.113.9"}
        fresh = iframe | {"X-Forwarded-For": "203.0.113.10"}
        reply = await api.post("/v1/reveal", json={"token": token}, headers=straddling)
        assert reply.status == 429
        assert (await api.post("/v1/reveal", json={"token": token}, headers=fresh)).status == 200


class Form(HTMLParser):
    """The fields of the reveal page's form and its question."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.label = ""
        self._in_label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden":
            self.fields[str(values["name"])] = str(values["value"])
        self._in_label = tag == "label"

    def handle_data(self, data: str) -> None:
        if self._in_label:
            self.label += data


WORDS = {
    "üks": 1,
    "kaks": 2,
    "kolm": 3,
    "neli": 4,
    "viis": 5,
    "kuus": 6,
    "seitse": 7,
    "kaheksa": 8,
    "üheksa": 9,
}


async def test_reveal_without_javascript_asks_a_question_in_the_page_language(
    directory: Api, iframe: dict[str, str]
) -> None:
    fragment = (await directory.get("/fragment/for-in?member=ee&lang=et")).text
    link = re.search(r'href="(https?://[^"]*/reveal/[^"]+)"', fragment)
    assert link is not None
    path = re.sub(r"^https?://[^/]+", "", link.group(1).replace("&amp;", "&"))
    page = await directory.get(path)
    assert page.status == 200
    assert "Joomla" not in page.text
    assert "JavaScript" not in page.text
    form = Form()
    form.feed(page.text)
    assert "kui palju on" in form.label
    a, b = (WORDS[w] for w in re.findall(r"on (\w+) pluss (\w+)\?", form.label)[0])
    contact_path = path.split("?")[0]
    wrong = await directory.post(contact_path, data=form.fields | {"answer": str(a + b + 1)})
    assert wrong.status == 422
    assert "See polnud õige" in wrong.text
    assert "madis.kanarbik@norden.ee" not in wrong.text
    # Digits `str.isdigit` admits but no person types as a sum are a wrong answer, not a 500.
    for odd in ("²", "٣", "9" * 5000):
        refused = await directory.post(contact_path, data=form.fields | {"answer": odd})
        assert refused.status == 422, odd[:9]
    # The question is answered on the directory's own page: a form on another site is refused.
    elsewhere = await directory.post(
        contact_path,
        data=form.fields | {"answer": str(a + b)},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status == 403
    assert "madis.kanarbik@norden.ee" not in elsewhere.text
    right = await directory.post(
        contact_path, data=form.fields | {"answer": str(a + b)}, headers=iframe
    )
    assert right.status == 200
    assert 'href="mailto:madis.kanarbik@norden.ee"' in right.text
    assert "Lisa kontaktidesse (koos e-postiga)" in right.text
    assert "Content-Security-Policy" in right.headers
    expired = await directory.get(contact_path + "?t=nonsense&lang=lv")
    assert expired.status == 403
    assert "Šī saite vairs nav derīga" in expired.text


async def test_pages_are_csp_clean_and_framed_only_where_allowed(
    directory: Api, admin_token: str
) -> None:
    page = await directory.get("/embed/for-in?member=ee&lang=et")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    # Nobody listed yet: no site frames it (the console's preview only).
    assert "frame-ancestors *" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), "inline script"
    assert not re.search(r"<style|<[^>]*\sstyle\s*=", page.text), "inline style"
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page.text), "inline event handler"
    bad = await directory.as_(admin_token).patch(
        "/v1/networks/for-in", json={"embed_origins": ["javascript:alert(1)"]}
    )
    assert bad.problem_fields() == ["embed_origins[0]"]
    restricted = await directory.as_(admin_token).patch(
        "/v1/networks/for-in", json={"embed_origins": ["https://www.norden.ee"]}
    )
    assert restricted.json["embed_origins"] == ["https://www.norden.ee"]
    framed = await directory.get("/embed/for-in?member=ee")
    assert "frame-ancestors https://www.norden.ee" in framed.headers["Content-Security-Policy"]
    other = await directory.get("/v1/widget/for-in", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    allowed = await directory.get("/v1/widget/for-in", headers={"Origin": "https://www.norden.ee"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://www.norden.ee"
    token = allowed.json["cards"][0]["token"]
    refused = await directory.post(
        "/v1/reveal", json={"token": token}, headers={"Origin": "https://evil.example"}
    )
    assert refused.status == 403
    listed = await directory.post(
        "/v1/reveal", json={"token": token}, headers={"Origin": "https://www.norden.ee"}
    )
    assert listed.status == 200


async def test_everything_from_the_database_is_escaped(directory: Api, admin_token: str) -> None:
    evil = "<img src=x onerror=alert(1)>"
    created = await directory.as_(admin_token).post(
        "/v1/contacts",
        json={
            "display_name": evil,
            "titles": {"en": '"><script>alert(2)</script>'},
            "networks": ["ee"],
            "emails": ["evil@example.org"],
        },
    )
    assert created.status == 201
    for url in ["/fragment/for-in?member=ee", "/embed/for-in?member=ee"]:
        text = (await directory.get(url)).text
        assert evil not in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
        assert "<script>alert(2)" not in text


async def test_assets_are_cacheable_and_small(directory: Api) -> None:
    import gzip

    script = await directory.get("/widget.js")
    etag = script.headers["ETag"]
    assert (await directory.get("/widget.js", headers={"If-None-Match": etag})).status == 304
    assert len(gzip.compress(script.body)) < 5000
    css_path = re.search(r'"(/static/widget\.[0-9a-f]{12}\.css)"', script.text)
    assert css_path is not None
    css = await directory.get(css_path.group(1))
    assert "immutable" in css.headers["Cache-Control"]
    assert (await directory.get("/static/widget.000000000000.css")).status == 404
