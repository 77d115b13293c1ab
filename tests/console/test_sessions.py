"""Console sessions live on the server: the cookie is an opaque id, sign-out and expiry end them.

Issue 14 item 6: the cookie was the coordinator's API token (signed, readable, never
expiring, valid after signing out), and a 12-hour e-mail-link session could mint a
non-expiring API token.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import re
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from tests.conftest import SERVICE_TOKEN
from tests.support.sessions import (
    assert_sent_to_signin,
    console_db,
    cookie_of,
    in_console_db,
    session_ended,
    signed_in,
)
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")


def readable_parts(value: str) -> list[bytes]:
    """Everything a curious holder could decode from a cookie value."""
    parts = [value.encode()]
    for piece in re.split(r"[.:|]", value):
        with contextlib.suppress(binascii.Error, ValueError):
            parts.append(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))
    return parts


async def tokens_of(stack: Stack, token: str) -> list[dict[str, str]]:
    """The account's tokens as its owner lists them."""
    bearer = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=bearer) as api:
        async with api.get(f"{stack.directory}/v1/me") as me:
            account_id = (await me.json())["id"]
        async with api.get(f"{stack.directory}/v1/accounts/{account_id}/tokens") as listed:
            items: list[dict[str, str]] = (await listed.json())["items"]
    return items


async def directory_status(stack: Stack, token: str) -> int:
    """What the directory answers `GET /v1/me` with this token."""
    bearer = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(headers=bearer) as api,
        api.get(f"{stack.directory}/v1/me") as me,
    ):
        return me.status


async def csrf_of(client: aiohttp.ClientSession, stack: Stack) -> str:
    """The session's form token, read from a page as the browser sees it."""
    async with client.get(f"{stack.console}/contacts") as page:
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', await page.text())
    assert found is not None
    return found.group(1)


async def test_the_cookie_is_an_opaque_id_and_no_token(stack: Stack, coordinator: str) -> None:
    client = await signed_in(stack, coordinator)
    try:
        cookie = cookie_of(client, stack)
        # Nothing in it reads as a token, the coordinator's or any other.
        assert not any(b"kt_" in part for part in readable_parts(cookie))
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie)
        # It is not a credential anywhere but at the console.
        assert await directory_status(stack, cookie) == 401
        # The console keeps only its hash, and the session's token sealed.
        db = await console_db(stack)
        try:
            row = await db.fetchrow(
                "SELECT cookie_hash, sealed_token, expires_at FROM console.sessions"
            )
        finally:
            await db.close()
        assert row is not None
        assert bytes(row["cookie_hash"]) == hashlib.sha256(cookie.encode()).digest()
        assert b"kt_" not in bytes(row["sealed_token"])
        # The console calls the services with a token made for this session, not the pasted one.
        session_tokens = [t for t in await tokens_of(stack, coordinator) if t["session"]]
        assert len(session_tokens) == 1
        ends = datetime.fromisoformat(session_tokens[0]["expires_at"])
        hours = stack.settings.console_session_hours
        assert ends <= datetime.now(UTC) + timedelta(hours=hours)
        assert row["expires_at"] == ends
    finally:
        await client.close()


async def test_signing_out_ends_the_session_and_its_token(stack: Stack, coordinator: str) -> None:
    client = await signed_in(stack, coordinator)
    try:
        cookie = cookie_of(client, stack)
        csrf = await csrf_of(client, stack)
        async with client.post(
            f"{stack.console}/signout", data={"csrf": csrf}, allow_redirects=False
        ) as out:
            assert out.status == 303
    finally:
        await client.close()
    # The old cookie, kept by someone, opens nothing any more...
    async with aiohttp.ClientSession(cookies={"kontakt_console": cookie}) as again:
        await assert_sent_to_signin(again, stack)
    # ...and the session's token is revoked at the directory.
    session_tokens = [t for t in await tokens_of(stack, coordinator) if t["session"]]
    assert [t["revoked_at"] is not None for t in session_tokens] == [True]
    # The coordinator's own token was never the session's: it still works.
    assert await directory_status(stack, coordinator) == 200


async def test_signing_in_again_replaces_the_session(stack: Stack, coordinator: str) -> None:
    """A sign-in always gets a fresh id; the session it replaces ends, with its token."""
    client = await signed_in(stack, coordinator)
    try:
        first = cookie_of(client, stack)
        async with client.post(
            f"{stack.console}/signin",
            data={"token": coordinator, "lang": "et"},
            headers={"Sec-Fetch-Site": "same-origin"},
            allow_redirects=False,
        ) as again:
            assert again.status == 303
        second = cookie_of(client, stack)
        assert second != first
        async with client.get(f"{stack.console}/contacts", allow_redirects=False) as page:
            assert page.status == 200
    finally:
        await client.close()
    # The replaced id opens nothing, and its token is revoked; the new one's is not.
    async with aiohttp.ClientSession(cookies={"kontakt_console": first}) as kept:
        await assert_sent_to_signin(kept, stack)
    session_tokens = [t for t in await tokens_of(stack, coordinator) if t["session"]]
    assert [t["revoked_at"] is not None for t in session_tokens] == [True, False]
    assert await session_ended(stack, first)


async def test_an_altered_sealed_token_opens_nothing(stack: Stack, coordinator: str) -> None:
    """Whoever can write the sessions table cannot slip the console another token."""
    client = await signed_in(stack, coordinator)
    try:
        sealed = await in_console_db(stack, "SELECT sealed_token FROM console.sessions")
        assert isinstance(sealed, bytes)
        altered = sealed[:-1] + bytes([sealed[-1] ^ 0x80])
        await in_console_db(stack, "UPDATE console.sessions SET sealed_token = $1", altered)
        await assert_sent_to_signin(client, stack)
    finally:
        await client.close()


async def test_a_session_expires(stack: Stack, coordinator: str) -> None:
    client = await signed_in(stack, coordinator)
    try:
        async with client.get(f"{stack.console}/contacts", allow_redirects=False) as page:
            assert page.status == 200
        expire = "UPDATE console.sessions SET expires_at = now() - interval '1 second'"
        await in_console_db(stack, expire)
        await assert_sent_to_signin(client, stack)
    finally:
        await client.close()


async def test_the_cookie_lasts_no_longer_than_the_session(stack: Stack, coordinator: str) -> None:
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            f"{stack.console}/signin",
            data={"token": coordinator, "lang": "en"},
            headers={"Sec-Fetch-Site": "same-origin"},
            allow_redirects=False,
        ) as response,
    ):
        assert response.status == 303
        morsel = response.cookies["kontakt_console"]
        assert 0 < int(morsel["max-age"]) <= stack.settings.console_session_hours * 3600
        assert morsel["httponly"]
        assert morsel["samesite"] == "Strict"


async def link_session(stack: Stack, email: str) -> dict[str, str]:
    """What the console gets for an e-mail link (made and spent with the service credential)."""
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    async with aiohttp.ClientSession(headers=service) as api:
        async with api.post(f"{stack.directory}/v1/signin-links", json={"email": email}) as made:
            code = (await made.json())["code"]
        async with api.post(
            f"{stack.directory}/v1/signin-links/redeem", json={"code": code}
        ) as spent:
            assert spent.status == 200
            grant: dict[str, str] = await spent.json()
    return grant


async def test_a_link_session_cannot_mint_a_token_that_outlives_it(
    stack: Stack, coordinator: str
) -> None:
    grant = await link_session(stack, "madis.kanarbik@example.ee")
    session = {"Authorization": f"Bearer {grant['token']}"}
    account = (await tokens_of(stack, grant["token"]))[0]["account_id"]
    session_ends = datetime.now(UTC) + timedelta(seconds=int(grant["expires_in"]) + 5)
    path = f"{stack.directory}/v1/accounts/{account}/tokens"
    async with aiohttp.ClientSession(headers=session) as api:
        # Asked for nothing, a new token ends when the session does...
        for kind in ("api", "read"):
            async with api.post(path, json={"kind": kind, "name": "phone"}) as made:
                assert made.status == 201
                child = await made.json()
                assert child["expires_at"] is not None
                assert datetime.fromisoformat(child["expires_at"]) <= session_ends
        # ...and asked for longer, it is refused, naming the field.
        async with api.post(path, json={"kind": "api", "expires_in_days": 365}) as longer:
            assert longer.status == 422
            fields = [e["field"] for e in (await longer.json())["errors"]]
            assert fields == ["expires_in_days"]
        # When the session ends, what it made ends too.
        async with api.delete(f"{stack.directory}/v1/tokens/{grant['token_id']}") as ended:
            assert ended.status == 204
    assert await directory_status(stack, child["token"]) == 401
    assert await directory_status(stack, coordinator) == 200
    assert int(grant["expires_in"]) <= stack.settings.console_session_hours * 3600
