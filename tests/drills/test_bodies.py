"""Bounded bodies on every service: oversized 413, slow 408, deeply nested 400, never a 500.

Requests go over raw sockets, so a body can be cut short or trickled as an attacker would.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web

from services.console.app import create_app as create_console
from services.directory.app import create_app as create_directory
from services.directory.paths import OPENAPI as DIRECTORY_OPENAPI
from services.mailing.app import create_app as create_mailing
from services.mailing.paths import OPENAPI as MAILING_OPENAPI
from services.vcard.app import create_app as create_vcard
from shared.settings import Settings
from shared.web import IN_FLIGHT, load_openapi
from tests.conftest import MakeAccount
from tests.support.newsletters import EE_LIST
from tests.support.observe import until
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")

TIMEOUT = 0.5  # KONTAKT_BODY_TIMEOUT for these tests
IDLE = 2.0  # KONTAKT_IDLE_TIMEOUT for these tests
LIMIT = 64 * 1024  # KONTAKT_MAX_BODY_BYTES of the test settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with short body and head deadlines."""
    return settings.replace(body_timeout=TIMEOUT, idle_timeout=IDLE)


@dataclass
class Answer:
    """A response read off the socket, and whether the server closed the connection."""

    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool

    @property
    def problem(self) -> dict[str, object]:
        """The problem+json body."""
        assert self.headers.get("content-type", "").startswith("application/problem+json")
        found: dict[str, object] = json.loads(self.body)
        assert found["status"] == self.status
        return found


async def raw(
    base: str,
    method: str,
    path: str,
    content_type: str,
    body: bytes,
    *,
    length: int | None = None,
    trickle: bool = False,
) -> Answer:
    """Send a request over a socket: the whole body, or its first bytes and then nothing."""
    url = urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length if length is not None else len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + (body[:5] if trickle else body))
        await writer.drain()
        async with asyncio.timeout(20):
            status_line = await reader.readline()
            headers = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            data = await reader.readexactly(int(headers.get("content-length", "0")))
            closed = False
            if headers.get("connection", "").lower() == "close":
                closed = not await reader.read()  # and the server really hangs up
        return Answer(int(status_line.split()[1]), headers, data, closed)
    finally:
        writer.close()


def deep_json(depth: int = 5000) -> bytes:
    """An array nested `depth` levels: past the JSON parser's recursion limit."""
    return b"[" * depth + b"]" * depth


def nested_multipart() -> bytes:
    """A form whose part is itself multipart (aiohttp refuses to read it)."""
    return (
        b'--outer\r\nContent-Disposition: form-data; name="token"\r\n'
        b"Content-Type: multipart/mixed; boundary=inner\r\n\r\n"
        b"--inner\r\nContent-Type: text/plain\r\n\r\nx\r\n--inner--\r\n--outer--\r\n"
    )


@dataclass
class Target:
    """A public route of one service that reads a body, and what a deep body looks like there."""

    base: str
    method: str
    path: str
    content_type: str
    small: bytes
    deep: bytes
    deep_type: str | None = None


@pytest.fixture
async def targets(stack: Stack, make_account: MakeAccount) -> dict[str, Target]:
    """One body-reading public route per service, anonymous as an attacker is."""
    _, admin = await make_account("admin@example.org", admin=True)
    async with aiohttp.ClientSession() as http:
        made = await http.post(
            f"{stack.mailing}/v1/lists",
            json=EE_LIST,
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert made.status == 201
    propfind = b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'
    deep_xml = (
        b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:">'
        + b"<D:prop>" * 200
        + b"</D:prop>" * 200
        + b"</D:propfind>"
    )
    return {
        "directory": Target(
            stack.directory,
            "POST",
            "/v1/reveal",
            "application/json",
            b'{"token": "x"}',
            deep_json(),
        ),
        "mailing": Target(
            stack.mailing,
            "POST",
            "/v1/lists/ee-uudised/subscribe",
            "application/json",
            b'{"email": "a@example.ee"}',
            deep_json(),
        ),
        "vcard": Target(
            stack.vcard, "PROPFIND", "/dav/addressbooks/ee/", "application/xml", propfind, deep_xml
        ),
        "console": Target(
            stack.console,
            "POST",
            "/signin",
            "application/x-www-form-urlencoded",
            b"token=x&lang=et",
            nested_multipart(),
            "multipart/form-data; boundary=outer",
        ),
    }


SERVICES = ["directory", "mailing", "vcard", "console"]


@pytest.mark.parametrize("service", SERVICES)
async def test_oversized_slow_and_deep_bodies(service: str, targets: dict[str, Target]) -> None:
    t = targets[service]
    padding = b" " * (LIMIT + 1)
    oversized = await raw(t.base, t.method, t.path, t.content_type, t.small + padding)
    assert oversized.status == 413
    assert oversized.problem["title"] == "Request body too large"
    assert oversized.closed  # the rest of a large body is not read

    # Five bytes, then nothing: the connection is not held open.
    slow = await raw(t.base, t.method, t.path, t.content_type, t.small, length=1000, trickle=True)
    assert slow.status == 408
    assert slow.problem["title"] == "Request timeout"
    assert slow.closed

    deep = await raw(t.base, t.method, t.path, t.deep_type or t.content_type, t.deep)
    assert deep.status == 400, deep.body
    assert deep.problem["status"] == 400


async def hung_up(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trickle: bool
) -> bool:
    """Whether the server closes the connection while a head never ends (or nothing comes)."""
    try:
        async with asyncio.timeout(IDLE + 10):
            while True:
                with contextlib.suppress(TimeoutError):
                    if await asyncio.wait_for(reader.read(), 0.25) == b"":
                        return True
                if trickle:
                    try:
                        writer.write(b"X-Slow: 1\r\n")
                        await writer.drain()
                    except ConnectionError:
                        return True
    except TimeoutError:
        return False


@pytest.mark.parametrize("service", SERVICES)
async def test_a_head_that_never_ends_or_never_starts_is_hung_up(
    service: str, targets: dict[str, Target]
) -> None:
    """Slowloris on the head: a header line now and then, or an open connection and nothing.

    Both at once, each on its own connection: each waits out the idle timeout by itself.
    """
    url = urlsplit(targets[service].base)

    async def attempt(trickle: bool) -> bool:
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        try:
            if trickle:
                writer.write(f"GET /healthz HTTP/1.1\r\nHost: {url.netloc}\r\n".encode())
            return await hung_up(reader, writer, trickle)
        finally:
            writer.close()

    slow, silent = await asyncio.gather(attempt(True), attempt(False))
    assert (slow, silent) == (True, True), service


# Where each service reads a body before anything else, and the app factory that makes it.
GIVING_UP = {
    "directory": (create_directory, "POST", "/v1/reveal", "application/json"),
    "mailing": (create_mailing, "POST", "/confirm/x", "application/x-www-form-urlencoded"),
    "vcard": (create_vcard, "PROPFIND", "/dav/", "application/xml"),
    "console": (create_console, "POST", "/signin", "application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("service", SERVICES)
async def test_a_client_that_gives_up_is_not_a_database_outage(
    service: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Served as in production (aiohttp's test server would cancel the handler instead)."""
    factory, method, path, content_type = GIVING_UP[service]
    app = factory(settings.replace(mailing_worker=False, smtp_url="smtp://127.0.0.1:9"))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        with caplog.at_level(logging.INFO):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            head += f"Content-Type: {content_type}\r\nContent-Length: 1000\r\n\r\n"
            writer.write(head.encode() + b"<a")
            await writer.drain()
            await until(lambda: app[IN_FLIGHT].count == 1)  # the service reads the body now
            writer.close()
            await until(lambda: app[IN_FLIGHT].count == 0)  # ...and has given up on it
    finally:
        await runner.cleanup()
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("kontakt")]
    assert "client went away" in messages, messages
    assert not [m for m in messages if "database" in m or "unhandled" in m], messages


async def test_a_slow_but_steady_import_is_not_cut_off(stack: Stack, coordinator: str) -> None:
    """The deadline grows with what has arrived: an import sent steadily finishes."""
    name = "Žydrūnė Jõemets " * 12
    rows = "".join(f"reader{i}@example.ee,{name}{i}\r\n" for i in range(14_000))
    body = ("email,name\r\n" + rows).encode()  # about 3 MiB, far above the ordinary limit
    piece = 256 * 1024

    async def steady() -> AsyncIterator[bytes]:
        # Longer in all than the plain deadline, always faster than a MiB per deadline.
        for start in range(0, len(body), piece):
            yield body[start : start + piece]
            await asyncio.sleep(TIMEOUT / 6)

    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {coordinator}"}) as http:
        made = await http.post(f"{stack.mailing}/v1/lists", json=EE_LIST)
        assert made.status == 201
        answer = await http.post(
            f"{stack.mailing}/v1/lists/ee-uudised/import?consent=signed+up+at+the+info+day",
            data=steady(),
            headers={"Content-Type": "text/csv"},
        )
        assert answer.status == 200, await answer.text()
        assert (await answer.json())["created"] == 14_000


async def test_an_import_the_server_takes_its_time_over_is_not_cut_off(
    stack: Stack, coordinator: str
) -> None:
    """The body is sent as fast as the server takes it; checking and writing its rows takes
    the directory far longer than the body's deadline, and that time is the server's."""
    note = "Kohtusime Tallinnas infopäeval; saadab uudiskirja ka kolleegidele. " * 6
    rows = "".join(
        f"Ülle,Õun-{i},paced.{i}@example.ee,+372 5{i:07d},{note}\r\n" for i in range(6000)
    )
    body = ("given_name,family_name,emails,phones,Notes\r\n" + rows).encode()  # about 2.7 MB
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {coordinator}"}) as http:
        answer = await http.post(
            f"{stack.directory}/v1/contacts/import?network=ee",
            data=body,
            headers={"Content-Type": "text/csv"},
        )
        assert answer.status == 200, (await answer.text())[:500]
        assert (await answer.json())["created"] == 6000


async def test_the_large_limit_only_after_authentication(stack: Stack) -> None:
    """Import routes take large files from a known caller only; a stranger's is never read."""
    body = b"email,name\r\n" + b"x" * (LIMIT * 2)
    anonymous = await raw(stack.mailing, "POST", "/v1/lists/ee-uudised/import", "text/csv", body)
    assert anonymous.status == 401
    directory = await raw(stack.directory, "POST", "/v1/contacts/import", "text/csv", body)
    assert directory.status == 401
    # The console sends a stranger to sign in without reading the upload.
    console = await raw(stack.console, "POST", "/lists/ee-uudised/import", "text/csv", body)
    assert console.status == 303
    assert console.headers["location"].startswith("/signin")


async def test_tokens_that_nest_deeply_are_refused_not_500(stack: Stack) -> None:
    """Signed tokens are checked before their JSON is read: a forged deep one is just invalid."""
    claims = base64.urlsafe_b64encode(b"[" * 1500).rstrip(b"=").decode()
    forged = f"{claims}.{base64.urlsafe_b64encode(b'x' * 32).rstrip(b'=').decode()}"
    async with aiohttp.ClientSession() as http:
        for url in (
            f"{stack.mailing}/unsubscribe/{forged}",
            f"{stack.mailing}/confirm/{forged}",
            f"{stack.mailing}/preferences/{forged}",
        ):
            async with http.get(url) as answer:
                assert answer.status == 404, url
        async with http.post(f"{stack.directory}/v1/reveal", json={"token": forged}) as answer:
            assert answer.status < 500


def json_operations() -> list[tuple[str, str, str]]:
    """(service, method, path) of every operation that takes a JSON body, from the documents."""
    found = []
    for service, spec in (("directory", DIRECTORY_OPENAPI), ("mailing", MAILING_OPENAPI)):
        for template, operations in load_openapi(spec)["paths"].items():
            for method, operation in operations.items():
                if not isinstance(operation, dict):
                    continue
                content = (operation.get("requestBody") or {}).get("content") or {}
                if any("json" in media for media in content):
                    path = re.sub(r"\{[^}]*id[^}]*\}", "1", template)
                    found.append((service, method.upper(), re.sub(r"\{[^}]+\}", "ee", path)))
    return found


async def test_no_json_body_nests_its_way_to_a_500(stack: Stack, make_account: MakeAccount) -> None:
    """Every JSON operation of every service, as an admin (past every permission check)."""
    _, admin = await make_account("admin@example.org", admin=True)
    operations = json_operations()
    assert len(operations) > 20
    bases = {"directory": stack.directory, "mailing": stack.mailing}
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {admin}"}) as http:
        for service, method, path in operations:
            async with http.request(
                method,
                bases[service] + path,
                data=deep_json(),
                headers={"Content-Type": "application/json"},
            ) as answer:
                assert answer.status < 500, (service, method, path, await answer.text())
                assert answer.content_type == "application/problem+json"


async def test_no_lone_surrogate_reaches_a_500(stack: Stack, make_account: MakeAccount) -> None:
    """`"\\ud800"` is valid JSON but no character: refused at the edge, naming the field.

    Anonymous first (the subscribe form's API, where it was a 500), then every JSON
    operation as an admin.
    """
    _, admin = await make_account("admin@example.org", admin=True)
    body = b'{"email": "mari@example.ee", "name": "Mari \\ud800"}'
    json_type = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {admin}"}) as http:
        made = await http.post(f"{stack.mailing}/v1/lists", json=EE_LIST)
        assert made.status == 201
    async with aiohttp.ClientSession() as http:
        url = f"{stack.mailing}/v1/lists/ee-uudised/subscribe"
        async with http.post(url, data=body, headers=json_type) as answer:
            assert answer.status == 422, await answer.text()
            assert [e["field"] for e in (await answer.json())["errors"]] == ["name"]
    refused = 0
    bases = {"directory": stack.directory, "mailing": stack.mailing}
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {admin}"}) as http:
        for service, method, path in json_operations():
            async with http.request(
                method, bases[service] + path, data=body, headers=json_type
            ) as answer:
                assert answer.status < 500, (service, method, path, await answer.text())
                if answer.status == 422:
                    fields = [e["field"] for e in (await answer.json())["errors"]]
                    assert fields == ["name"], (service, method, path, fields)
                    refused += 1
    assert refused > 10  # the others stop earlier (no such list or campaign "ee" or 1)
