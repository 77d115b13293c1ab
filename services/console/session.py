"""The console's sessions: a random id in the cookie, the session in the console's own table.

The cookie holds 256 random bits and nothing else. The table keys a session by the id's
SHA-256 and keeps the session's API token sealed (AES-GCM) under a key derived from the id,
so a copy of the table is no credential and neither is the cookie without the table. The
token was made for this session alone at sign-in, expires with it, and is revoked when it ends.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from aiohttp import web
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.i18n import LANGUAGES
from shared.queries import Queries
from shared.signing import Keys

COOKIE = "kontakt_console"
_SEAL = b"kontakt console session token"
_NONCE_BYTES = 12


def _cookie_hash(cookie: str) -> bytes:
    return hashlib.sha256(cookie.encode()).digest()


def _sealing_key(cookie: str) -> AESGCM:
    # A key for this session's token alone, from the cookie's 256 random bits (RFC 5869).
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL).derive(cookie.encode())
    return AESGCM(key)


def seal(cookie: str, token: str) -> bytes:
    """The token under AES-GCM (nonce first), unreadable and unalterable without the cookie."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + _sealing_key(cookie).encrypt(nonce, token.encode(), _cookie_hash(cookie))


def unseal(cookie: str, sealed: bytes) -> str | None:
    """The token `seal` sealed with this cookie's id; None when it was not, or was altered."""
    nonce, box = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    try:
        return _sealing_key(cookie).decrypt(nonce, box, _cookie_hash(cookie)).decode()
    except (InvalidTag, ValueError):
        return None


@dataclass(frozen=True)
class Grant:
    """A token the directory made for a new session, and when it (and the session) ends."""

    token: str
    token_id: int
    account_id: int
    expires_at: datetime

    @classmethod
    def of(cls, made: Mapping[str, object]) -> Grant:
        """From the directory's answer (a token created, or a sign-in link redeemed).

        ValueError when the answer lacks the token, its id, the account or the expiry.
        """
        token, account, expires = made.get("token"), made.get("account_id"), made.get("expires_at")
        token_id = made.get("token_id") or made.get("id")
        if not (
            isinstance(token, str)
            and isinstance(token_id, int)
            and isinstance(account, int)
            and isinstance(expires, str)
        ):
            raise ValueError("the directory's answer is not a session token")
        return cls(token, token_id, account, datetime.fromisoformat(expires))


@dataclass(frozen=True)
class Session:
    """A signed-in coordinator: the session's row, its token, and the language they chose."""

    id: int
    cookie: str
    account_id: int
    token: str
    token_id: int
    lang: str
    expires_at: datetime

    def csrf(self, keys: Keys) -> str:
        """A token for the session's forms; another site cannot read or guess it."""
        return keys.mac_hex("console-csrf", _cookie_hash(self.cookie).hex(), 32)

    def csrf_ok(self, keys: Keys, given: str) -> bool:
        """Whether a form's `csrf` field is this session's token (under any accepted key)."""
        return keys.check_hex("console-csrf", _cookie_hash(self.cookie).hex(), given, 32)


async def start_session(pool: asyncpg.Pool, queries: Queries, grant: Grant, lang: str) -> Session:
    """A new session for `grant`; its cookie id is fresh randomness, never sent anywhere else."""
    cookie = secrets.token_urlsafe(32)
    async with pool.acquire() as conn, conn.transaction():
        session_id = await conn.fetchval(
            queries["insert-session"],
            _cookie_hash(cookie),
            grant.account_id,
            grant.token_id,
            seal(cookie, grant.token),
            lang,
            grant.expires_at,
        )
    return Session(
        session_id, cookie, grant.account_id, grant.token, grant.token_id, lang, grant.expires_at
    )


async def find_session(
    pool: asyncpg.Pool, queries: Queries, request: web.Request
) -> Session | None:
    """The open session of the request's cookie, if there is one."""
    cookie = request.cookies.get(COOKIE, "")
    if not 20 <= len(cookie) <= 100:
        return None
    async with pool.acquire() as conn:
        row = await conn.fetchrow(queries["open-session"], _cookie_hash(cookie))
    if row is None:
        return None
    token = unseal(cookie, bytes(row["sealed_token"]))
    if token is None:
        return None
    lang = row["lang"] if row["lang"] in LANGUAGES else "en"
    return Session(
        row["id"],
        cookie,
        row["account_id"],
        token,
        row["token_id"],
        lang,
        row["expires_at"],
    )


async def end_session(pool: asyncpg.Pool, queries: Queries, session: Session) -> None:
    """The session is over: its cookie opens nothing from now on."""
    async with pool.acquire() as conn:
        await conn.execute(queries["end-session"], session.id)


async def set_language(pool: asyncpg.Pool, queries: Queries, session: Session, lang: str) -> None:
    """Remember the language the coordinator chose for this session."""
    async with pool.acquire() as conn:
        await conn.execute(queries["set-session-lang"], session.id, lang)


def write_cookie(response: web.StreamResponse, session: Session, secure: bool) -> None:
    """Set the cookie: sent only to us, only from our own pages, never readable by scripts."""
    seconds = int((session.expires_at - datetime.now(UTC)).total_seconds())
    response.set_cookie(
        COOKIE,
        session.cookie,
        max_age=max(seconds, 0),
        httponly=True,
        samesite="Strict",
        secure=secure,
        path="/",
    )


def clear_cookie(response: web.StreamResponse) -> None:
    """Tell the browser to forget the cookie (the session itself is ended on the server)."""
    response.del_cookie(COOKIE, path="/")
