"""API, read and session tokens: their lifetime, issue and JSON (the secret is never stored)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from services.directory.account_records import iso
from services.directory.auth import new_token
from shared.conn import Conn
from shared.errors import (
    FieldError,
    ValidationFailed,
)
from shared.i18n import N_
from shared.payloads import Token
from shared.queries import Queries
from shared.settings import Settings

MAX_TOKEN_DAYS = 3650


def expires_soon(row: asyncpg.Record, warn_days: int) -> bool:
    """Whether a working token (not a console session's) ends within `warn_days` days.

    Its owner is warned (listings, `/v1/me`, the console, `kontakt tokens list`) so they make
    a new one before their phone stops syncing.
    """
    now = datetime.now(UTC)
    expires_at: datetime | None = row["expires_at"]
    return (
        expires_at is not None
        and row["revoked_at"] is None
        and not row["session"]
        and now < expires_at <= now + timedelta(days=warn_days)
    )


def token_json(row: asyncpg.Record, warn_days: int) -> Token:
    """A token's metadata; the token itself is never stored, so never shown again."""
    expires_at: datetime | None = row["expires_at"]
    soon = expires_soon(row, warn_days)
    return {
        "id": row["id"],
        "account_id": row["account_id"],
        "account_email": row["account_email"],
        "kind": row["kind"],
        "name": row["name"],
        "prefix": row["prefix"],
        "session": row["session"],
        "created_at": row["created_at"].isoformat(),
        "expires_at": iso(expires_at),
        "expires_soon": soon,
        "revoked_at": iso(row["revoked_at"]),
        "last_used_at": iso(row["last_used_at"]),
    }


def lifetime(
    settings: Settings,
    *,
    kind: str,
    days: int | None,
    session: bool,
    maker_expires: datetime | None,
) -> datetime | None:
    """When a new token expires: as asked, within the limits; none of them means never.

    The limits: a console session's length, the operator's longest life of a read token
    (`KONTAKT_READ_TOKEN_DAYS`), and the expiry of the token that makes it, which it may
    never outlive. Asking for longer is a 422 naming `expires_in_days`.
    """
    now = datetime.now(UTC)
    limits: list[tuple[datetime, str]] = []
    if session:
        limits.append(
            (
                now + timedelta(hours=settings.console_session_hours),
                N_("may not end after the session it is made for (%(value)s)"),
            )
        )
    if kind == "read" and settings.read_token_days:
        limits.append(
            (
                now + timedelta(days=settings.read_token_days),
                N_("may not end after the longest a read token lives here (%(value)s)"),
            )
        )
    if maker_expires is not None:
        limits.append((maker_expires, N_("may not end after the token that makes it (%(value)s)")))
    ceiling = min(limits) if limits else None
    asked = now + timedelta(days=days) if days else None
    if asked is not None and ceiling is not None and asked > ceiling[0]:
        raise ValidationFailed(
            [
                # The end written in the reader's language when the refusal is (a datetime).
                FieldError("expires_in_days", ceiling[1], {"value": ceiling[0]})
            ]
        )
    return asked or (ceiling[0] if ceiling else None)


async def issue_token(
    conn: Conn,
    q: Queries,
    account_id: int,
    *,
    kind: str,
    name: str,
    expires_at: datetime | None,
    session: bool = False,
    parent: int | None = None,
) -> tuple[str, asyncpg.Record]:
    """A new token for the account (in the caller's transaction), and its listed row.

    `parent` is the token that makes it: revoking that revokes this one too when either is
    a console session's.
    """
    token, prefix, digest = new_token()
    row = await conn.fetchrow(q["insert-token"], account_id, kind, name, prefix, digest, expires_at)
    assert row is not None
    if session or parent is not None:
        await conn.execute(q["set-token-origin"], row["id"], session, parent)
    listed = await conn.fetchrow(q["token-row"], row["id"])
    assert listed is not None
    return token, listed


async def expiring_tokens(conn: Conn, q: Queries, account_id: int, warn_days: int) -> list[Token]:
    """The account's working tokens that expire within `warn_days` (for /v1/me), soonest first."""
    rows = await conn.fetch(q["expiring-tokens"], account_id, warn_days)
    return [token_json(r, warn_days) for r in rows]
