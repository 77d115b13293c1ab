"""The vcard service started for real, reading a directory started for real."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.directory.app import create_app as create_directory
from services.vcard.app import create_app as create_vcard
from services.vcard.paths import OPENAPI
from shared.http import origin_of
from shared.settings import Settings
from shared.web import load_openapi
from tests.support.api import Api
from tests.support.openapi import OpenApi
from tests.support.ports import Reserved


@dataclass
class Pair:
    """The directory and the vcard service, both running."""

    directory: Api
    vcard: Api
    directory_server: TestServer
    # What the directory was asked, in order (method and path with query).
    directory_requests: list[str] = field(default_factory=list)
    # The Origin the directory's own iframe sends with a reveal.
    iframe: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="session")
def vcard_spec() -> OpenApi:
    """The vcard service's OpenAPI document."""
    return OpenApi(load_openapi(OPENAPI))


async def start_pair(
    settings: Settings, directory_spec: OpenApi, vcard_spec: OpenApi
) -> tuple[Pair, list[TestClient]]:  # type: ignore[type-arg]
    """Start both services; the vcard service finds the directory by URL."""
    reserved = Reserved()  # bound at port 0: the URL is known before the server starts
    configured = settings.replace(directory_url=reserved.url)
    directory_app = create_directory(configured)
    seen: list[str] = []

    async def record(request: web.Request, _: web.StreamResponse) -> None:
        seen.append(f"{request.method} {request.path_qs}")

    directory_app.on_response_prepare.append(record)
    directory_server = TestServer(
        directory_app, host="127.0.0.1", port=reserved.port, socket_factory=reserved.factory
    )
    directory_client = TestClient(directory_server)
    await directory_client.start_server()
    vcard_client = TestClient(TestServer(create_vcard(configured), host="127.0.0.1"))
    await vcard_client.start_server()
    pair = Pair(
        Api(directory_client, directory_spec),
        Api(vcard_client, vcard_spec),
        directory_server,
        seen,
        {"Origin": origin_of(configured.public_directory_base)},
    )
    return pair, [vcard_client, directory_client]


@pytest.fixture
async def services(
    settings: Settings, directory_spec: OpenApi, vcard_spec: OpenApi
) -> AsyncIterator[Pair]:
    """Directory and vcard service with the test settings."""
    pair, clients = await start_pair(settings, directory_spec, vcard_spec)
    yield pair
    for client in clients:
        await client.close()
