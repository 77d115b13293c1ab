"""Credentials phones keep: read tokens live as long as the operator allows, and say when they end.

Issue 17 item 6: read tokens always expired after 365 days, so every phone stopped syncing
on the same day, with nothing telling anyone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.directory.app import create_app
from shared.queries import Queries
from shared.settings import Settings
from tests.conftest import MakeAccount
from tests.support.api import Api
from tests.support.openapi import OpenApi

pytestmark = pytest.mark.usefixtures("demo")


async def own_account(api: Api) -> int:
    """The caller's account id."""
    return int((await api.get("/v1/me")).json["id"])


async def coordinator(directory: Api, make_account: MakeAccount) -> tuple[Api, str]:
    """The directory as an Estonian editor, and where their tokens are made and listed."""
    _, token = await make_account("ee@example.ee", permissions={"ee": ("edit_contacts",)})
    me = directory.as_(token)
    return me, f"/v1/accounts/{await own_account(me)}/tokens"


async def test_read_tokens_live_until_revoked_by_default(
    directory: Api, make_account: MakeAccount
) -> None:
    me, path = await coordinator(directory, make_account)
    phone = await me.post(path, json={"kind": "read", "name": "Jõemets iPhone"})
    assert phone.status == 201
    assert phone.json["expires_at"] is None
    assert phone.json["expires_soon"] is False
    # Asked for, an end date is kept as asked.
    dated = await me.post(path, json={"kind": "read", "expires_in_days": 400})
    assert dated.status == 201
    ends = datetime.fromisoformat(dated.json["expires_at"])
    assert abs(ends - (datetime.now(UTC) + timedelta(days=400))) < timedelta(minutes=1)


async def test_the_operator_sets_the_longest_life_of_a_read_token(
    settings: Settings, directory_spec: OpenApi, make_account: MakeAccount
) -> None:
    configured = settings.replace(read_token_days=30)
    async with TestClient(TestServer(create_app(configured))) as client:
        me, path = await coordinator(Api(client, directory_spec), make_account)
        phone = await me.post(path, json={"kind": "read"})
        assert phone.status == 201
        ends = datetime.fromisoformat(phone.json["expires_at"])
        assert abs(ends - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=1)
        longer = await me.post(
            path, json={"kind": "read", "expires_in_days": 60}, headers={"Accept-Language": "lt"}
        )
        assert longer.status == 422
        assert longer.problem_fields() == ["expires_in_days"]
        # Said in the reader's language, the end written its way (not "a read token's", ISO).
        (said,) = [e["message"] for e in longer.json["errors"]]
        assert said.startswith(
            "negali baigtis vėliau, nei čia ilgiausiai galioja skaitymo raktas ("
        )
        # CLDR's Lithuanian medium date and short time, in UTC (the request's own instant).
        assert re.search(r"\(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)$", said), said
        # API tokens are not phones' credentials: the limit is not theirs.
        api = await me.post(path, json={"kind": "api"})
        assert api.json["expires_at"] is None


async def test_last_use_is_recorded_and_shown_to_the_account(
    directory: Api, make_account: MakeAccount
) -> None:
    account, token = await make_account("ee@example.ee", permissions={"ee": ("edit_contacts",)})
    _, phone = await make_account("ee@example.ee", kind="read")
    before = await directory.as_(token).get(f"/v1/accounts/{account}/tokens")
    assert [t["last_used_at"] for t in before.json["items"] if t["kind"] == "read"] == [None]
    assert (await directory.as_(phone).get("/v1/networks/ee/contacts")).status == 200
    after = await directory.as_(token).get(f"/v1/accounts/{account}/tokens")
    used = next(t["last_used_at"] for t in after.json["items"] if t["kind"] == "read")
    assert datetime.now(UTC) - datetime.fromisoformat(used) < timedelta(minutes=1)


async def test_tokens_that_expire_soon_are_flagged(
    directory: Api, make_account: MakeAccount
) -> None:
    me, path = await coordinator(directory, make_account)
    soon = await me.post(
        path, json={"kind": "read", "name": "Mežecka Android", "expires_in_days": 3}
    )
    later = await me.post(path, json={"kind": "read", "name": "tablet", "expires_in_days": 90})
    listed = {t["id"]: t["expires_soon"] for t in (await me.get(path)).json["items"]}
    assert listed[soon.json["id"]] is True
    assert listed[later.json["id"]] is False
    # The account hears of it wherever it looks at itself (the console shows this).
    expiring = (await me.get("/v1/me")).json["expiring_tokens"]
    assert [t["name"] for t in expiring] == ["Mežecka Android"]
    # Revoked, it is no longer worth a warning.
    assert (await me.delete(f"/v1/tokens/{soon.json['id']}")).status == 204
    assert (await me.get("/v1/me")).json["expiring_tokens"] == []


async def test_only_the_tokens_worth_a_warning_are_read_for_me_and_on_issue(
    directory: Api, make_account: MakeAccount, conn: asyncpg.Connection, queries: Queries
) -> None:
    """/v1/me (on every console page) reads the expiring tokens alone, not every session's."""
    account, token = await make_account("ee@example.ee", permissions={"ee": ("edit_contacts",)})
    me = directory.as_(token)
    path = f"/v1/accounts/{account}/tokens"
    soon = (await me.post(path, json={"kind": "read", "name": "phone", "expires_in_days": 3})).json
    await me.post(path, json={"kind": "read", "name": "tablet", "expires_in_days": 90})
    gone = (await me.post(path, json={"kind": "read", "name": "old", "expires_in_days": 2})).json
    assert (await me.delete(f"/v1/tokens/{gone['id']}")).status == 204
    # Console sign-ins pile up session tokens, each ending within hours.
    await conn.execute(
        "INSERT INTO tokens (account_id, kind, name, prefix, hash, expires_at, session)"
        " SELECT $1, 'api', 'console', 'kx_' || i, sha256(i::text::bytea),"
        "        now() + interval '8 hours', true FROM generate_series(1, 50) i",
        account,
    )
    read = await conn.fetch(queries["expiring-tokens"], account, 14)
    assert [r["id"] for r in read] == [soon["id"]]
    assert [t["id"] for t in (await me.get("/v1/me")).json["expiring_tokens"]] == [soon["id"]]
    issued = await me.post(path, json={"kind": "read", "name": "new"})
    assert issued.status == 201
    row = await conn.fetchrow(queries["token-row"], issued.json["id"])
    assert row is not None
    assert (row["name"], row["account_email"]) == ("new", "ee@example.ee")
