"""One error shape: 400, 404, 405, 413, 422, 409, 503, and a 500 that leaks nothing."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.directory import app as directory_app
from services.directory.app import create_app
from shared.settings import Settings
from shared.web import load_openapi
from tests.conftest import SERVICE_TOKEN
from tests.support.api import Api
from tests.support.openapi import OpenApi


async def test_malformed_json_is_400(directory: Api, admin_token: str) -> None:
    reply = await directory.as_(admin_token).post(
        "/v1/contacts", data=b'{"given_name": "Vida",', headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400
    assert "Malformed JSON" in reply.json["detail"]
    wrong_type = await directory.as_(admin_token).post("/v1/contacts", data=b"given_name=Vida")
    assert wrong_type.status == 400
    not_object = await directory.as_(admin_token).post("/v1/contacts", json=["Vida"])
    assert not_object.status == 400


async def test_unknown_path_and_method(directory: Api) -> None:
    missing = await directory.get("/v2/nothing")
    assert missing.status == 404
    assert missing.json["title"] == "Not found"
    method = await directory.request("PUT", "/v1/networks")
    assert method.status == 405
    assert "GET" in method.headers["Allow"]


async def test_body_too_large_is_413(directory: Api, admin_token: str) -> None:
    huge = {"given_name": "x" * (128 * 1024)}
    reply = await directory.as_(admin_token).post("/v1/contacts", json=huge)
    assert reply.status == 413


async def test_request_id_is_echoed_and_generated(directory: Api) -> None:
    given = await directory.get("/v1/networks/none", headers={"X-Request-Id": "abc-123"})
    assert given.headers["X-Request-Id"] == "abc-123"
    assert given.json["request_id"] == "abc-123"
    made = await directory.get("/v1/networks/none", headers={"X-Request-Id": "bad id;<script>"})
    assert made.headers["X-Request-Id"] != "bad id"
    assert len(made.headers["X-Request-Id"]) == 16


@pytest.fixture
async def fragile(
    settings: Settings, directory_spec: OpenApi, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Api]:
    """The directory with one extra (declared) route that fails the way a bug would."""

    def with_broken(path: Path) -> dict[str, Any]:
        document = load_openapi(path)
        document["paths"]["/test/broken"] = {"get": {"x-permission": "public", "responses": {}}}
        return document

    monkeypatch.setattr(directory_app, "load_openapi", with_broken)
    app = create_app(settings)

    async def broken(_: web.Request) -> web.Response:
        raise RuntimeError("secret internal detail: password=hunter2")

    app.router.add_get("/test/broken", broken)
    async with TestClient(TestServer(app)) as client:
        yield Api(client, directory_spec)


async def test_500_is_logged_with_request_id_and_leaks_nothing(
    fragile: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        reply = await fragile.get("/test/broken", headers={"X-Request-Id": "req-500"})
    assert reply.status == 500
    assert "hunter2" not in reply.text
    assert "RuntimeError" not in reply.text
    assert reply.json["request_id"] == "req-500"
    logged = [r for r in caplog.records if r.name == "kontakt.errors"]
    assert logged
    assert logged[0].exc_info is not None


async def test_database_gone_is_503_and_readyz_says_so(
    fragile: Api, db_url: str, pg_server: str
) -> None:
    assert (await fragile.get("/readyz")).status == 200
    name = db_url.split("?")[0].rsplit("/", 1)[1]
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        reply = await fragile.get("/v1/networks")
        assert reply.status == 503
        assert reply.headers["Retry-After"] == "5"
        ready = await fragile.get("/readyz")
        assert ready.status == 503
        assert (await fragile.get("/healthz")).status == 200
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
    # And it recovers by itself once PostgreSQL is back.
    assert (await fragile.get("/v1/networks")).status == 200


async def test_openapi_document_is_served(directory: Api) -> None:
    reply = await directory.get("/openapi.json")
    assert reply.json["openapi"].startswith("3.1")
    assert "/v1/networks/{slug}/contacts" in reply.json["paths"]


async def test_unreadable_forms_are_400(directory: Api) -> None:
    broken = await directory.post(
        "/reveal/1", data=b"t=&answer=", headers={"Content-Type": "multipart/form-data"}
    )
    assert broken.status == 400
    # With the service credential, so the form is actually read.
    service = await directory.as_(SERVICE_TOKEN).post(
        "/v1/introspect", data=b"token=x", headers={"Content-Type": "multipart/form-data"}
    )
    assert service.status == 400


@pytest.mark.usefixtures("demo")  # real networks, so the NUL is what gets refused
async def test_nul_characters_anywhere_are_400(directory: Api) -> None:
    for url in [
        "/embed/ee?member=%00x",
        "/v1/networks/for-in/contacts?member=a%00b",
        "/v1/networks/x%00y",
        "/v1/organisations/a%00",
    ]:
        reply = await directory.get(url)
        assert reply.status == 400, url


async def test_a_route_that_declares_no_access_cannot_start(settings: Settings) -> None:
    """Every route says who may call it (`x-permission`); one that does not stops the start."""
    app = create_app(settings)

    async def forgotten(_: web.Request) -> web.Response:
        return web.Response(text="anyone?")

    app.router.add_get("/v1/forgotten", forgotten)
    with pytest.raises(RuntimeError, match="GET /v1/forgotten"):
        async with TestClient(TestServer(app)):
            pass


@pytest.mark.parametrize(
    ("accept", "lang", "title", "message"),
    [
        (None, "en", "Validation failed", "must be one of en, et, lv, lt"),
        ("lv-LV,lv;q=0.9,en;q=0.5", "lv", "Datu pārbaude neizdevās", "jābūt vienam no šiem: "),
        ("et", "et", "Andmed ei läbinud kontrolli", "peab olema üks järgmistest: "),
        ("de, lt;q=0.8", "lt", "Duomenų patikra nepavyko", "turi būti vienas iš: "),
    ],
)
async def test_problems_speak_the_accept_language_and_keep_field_names(
    directory: Api, accept: str | None, lang: str, title: str, message: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    reply = await directory.get("/v1/networks/for-in/contacts?lang=xx", headers=headers)
    assert reply.status == 422
    assert reply.headers["Content-Language"] == lang
    assert reply.json["title"] == title
    # The field stays the API's name; only the words are the reader's.
    assert [e["field"] for e in reply.json["errors"]] == ["lang"]
    assert reply.json["errors"][0]["message"].startswith(message)
    assert reply.json["errors"][0]["message"].endswith("en, et, lv, lt")
    missing = await directory.get("/v1/networks/nowhere", headers=headers)
    assert missing.status == 404
    assert missing.headers["Content-Language"] == lang
    assert "'nowhere'" in missing.json["detail"]
    assert missing.json["detail"].startswith("No network") == (lang == "en")
