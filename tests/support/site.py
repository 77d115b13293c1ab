"""The directory, the vcard service and an example host site embedding it, on three origins."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from devstack.example_site import example_app
from services.directory.app import create_app
from services.vcard.app import create_app as create_vcard
from shared.queries import Queries
from shared.settings import Settings
from tests.support.ports import Reserved


@dataclass
class Site:
    """The directory and a host page that embeds it, on two origins."""

    directory: str
    host: str
    vcard: str


StartSite = Callable[..., Awaitable[Site]]


@pytest.fixture
async def start_site(
    settings: Settings, conn: asyncpg.Connection, queries: Queries
) -> AsyncIterator[StartSite]:
    """Start the directory (with given settings changes) and the example host site.

    The demo network lists the host site as its embedder, as `make run` does, unless
    `embedded=False` (a site the network's owner never listed).
    """
    servers: list[TestServer] = []

    async def start(*, embedded: bool = True, **changes: object) -> Site:
        own, vcard_socket, host_socket = Reserved(), Reserved(), Reserved()
        if embedded:
            origins = [host_socket.url]
            await conn.execute(queries["set-network-origins"], "for-in", origins)
        directory_url, vcard_url = own.url, vcard_socket.url
        configured = settings.replace(
            public_directory_url=directory_url,
            directory_url=directory_url,
            public_vcard_url=vcard_url,
            **changes,
        )
        directory = TestServer(
            create_app(configured), host="127.0.0.1", port=own.port, socket_factory=own.factory
        )
        await directory.start_server()
        servers.append(directory)
        vcard = TestServer(
            create_vcard(configured),
            host="127.0.0.1",
            port=vcard_socket.port,
            socket_factory=vcard_socket.factory,
        )
        await vcard.start_server()
        servers.append(vcard)
        host = TestServer(
            example_app(directory_url),
            host="127.0.0.1",
            port=host_socket.port,
            socket_factory=host_socket.factory,
        )
        await host.start_server()
        servers.append(host)
        return Site(directory_url, str(host.make_url("/")).rstrip("/"), vcard_url)

    yield start
    for server in reversed(servers):
        await server.close()
