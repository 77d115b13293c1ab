"""The mailing service with the directory and a real SMTP server, all started for real."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.smtp import SMTP

from devstack.mailsink import Sink
from services.directory.app import create_app as create_directory
from services.mailing.app import create_app as create_mailing
from services.mailing.paths import OPENAPI
from shared.settings import Settings
from shared.web import load_openapi
from tests.support.api import Api
from tests.support.observe import drained
from tests.support.openapi import OpenApi
from tests.support.ports import Reserved


@dataclass
class Mailing:
    """The mailing service, the directory it asks, and the SMTP server it sends to."""

    api: Api
    directory: Api
    sink: Sink
    base: str
    settings: Settings

    async def settle(self) -> None:
        """Wait until the outbox has sent (or given up on) everything asked of it so far."""
        await drained(self.settings.database_url or "", "mailing.outbox")

    def links(self, pattern: str) -> list[str]:
        """Paths of links of a kind (`/confirm/`) in the mail received so far."""
        found = []
        for message in self.sink.messages:
            found += re.findall(rf"https?://[^/\s]+({pattern}\S+)", message.summary()["text"])
        return found


@pytest.fixture(scope="session")
def mailing_spec() -> OpenApi:
    """The mailing service's OpenAPI document."""
    return OpenApi(load_openapi(OPENAPI))


StartMailing = Callable[..., Awaitable[Mailing]]


@pytest.fixture
async def start_mailing(
    settings: Settings, directory_spec: OpenApi, mailing_spec: OpenApi
) -> AsyncIterator[StartMailing]:
    """Start directory, mailing and an SMTP server (a given sink, or a plain one).

    `smtp_url=` sends to another server instead (tests/support/smtp.py has every kind).
    """
    cleanup: list[Any] = []

    async def start(sink: Sink | None = None, **changes: Any) -> Mailing:
        sink = sink or Sink()
        # Each server's socket bound at port 0 first: every URL is known before anything starts.
        smtp_socket, directory_socket, mailing_socket = Reserved(), Reserved(), Reserved()
        loop = asyncio.get_running_loop()
        smtp = await loop.create_server(
            lambda: SMTP(sink, enable_SMTPUTF8=True), sock=smtp_socket.sock
        )
        base = mailing_socket.url
        # A test may point the services at a server of its own (`smtp_url=`).
        changes.setdefault("smtp_url", f"smtp://127.0.0.1:{smtp_socket.port}")
        configured = settings.replace(
            directory_url=directory_socket.url, public_mailing_url=base, **changes
        )
        directory = TestClient(
            TestServer(
                create_directory(configured),
                host="127.0.0.1",
                port=directory_socket.port,
                socket_factory=directory_socket.factory,
            )
        )
        service = TestClient(
            TestServer(
                create_mailing(configured),
                host="127.0.0.1",
                port=mailing_socket.port,
                socket_factory=mailing_socket.factory,
            )
        )
        await directory.start_server()
        await service.start_server()
        cleanup.extend([service.close, directory.close, smtp.close])
        return Mailing(
            Api(service, mailing_spec), Api(directory, directory_spec), sink, base, configured
        )

    yield start
    for step in cleanup:
        result = step()
        if asyncio.iscoroutine(result):
            await result


@pytest.fixture
async def mailing(start_mailing: StartMailing) -> Mailing:
    """Directory, mailing (with its worker) and an aiosmtpd server on local ports."""
    return await start_mailing()
