"""Console sessions over HTTP: signing in, the cookie, whether the server ended one."""

from __future__ import annotations

import hashlib
import re

import aiohttp
import asyncpg
from yarl import URL

from tests.support.stack import Stack


async def signed_in(stack: Stack, token: str, lang: str = "en") -> aiohttp.ClientSession:
    """A client holding a console session cookie."""
    client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with client.post(
        f"{stack.console}/signin",
        data={"token": token, "lang": lang},
        headers={"Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
    return client


def hidden(html: str, name: str) -> str:
    """A hidden input's value."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


async def signed_in_with_csrf(stack: Stack, token: str) -> tuple[aiohttp.ClientSession, str]:
    """A client session with the console's cookie, and the session's CSRF token."""
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.post(f"{stack.console}/signin", data={"token": token, "lang": "en"}) as r:
        assert r.status == 200, await r.text()
    async with http.get(f"{stack.console}/contacts") as r:
        csrf = hidden(await r.text(), "csrf")
    return http, csrf


def cookie_of(client: aiohttp.ClientSession, stack: Stack) -> str:
    """The console's session cookie as the browser keeps it."""
    return client.cookie_jar.filter_cookies(URL(stack.console))["kontakt_console"].value


async def console_db(stack: Stack) -> asyncpg.Connection:
    """A connection to the database the console keeps its sessions in."""
    return await asyncpg.connect(stack.settings.database_url)


async def in_console_db(stack: Stack, sql: str, *args: object) -> object:
    """One statement on the console's sessions, as someone with the database would run it."""
    db = await console_db(stack)
    try:
        return await db.fetchval(sql, *args)
    finally:
        await db.close()


async def session_ended(stack: Stack, cookie: str) -> bool:
    """Whether the server ended the session of this cookie (not merely forgot the cookie)."""
    ended = await in_console_db(
        stack,
        "SELECT ended_at FROM console.sessions WHERE cookie_hash = $1",
        hashlib.sha256(cookie.encode()).digest(),
    )
    return ended is not None


async def assert_sent_to_signin(client: aiohttp.ClientSession, stack: Stack) -> None:
    """The client's next page is the sign-in form: its cookie opens nothing."""
    async with client.get(f"{stack.console}/contacts", allow_redirects=False) as page:
        assert page.status == 303
        assert page.headers["Location"].startswith("/signin")
