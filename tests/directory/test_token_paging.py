"""An account's tokens come a page at a time, live ones alone when asked: a listing's size
does not grow with how many tokens the account ever had."""

from __future__ import annotations

import asyncpg
import pytest

from services.directory.routes.tokens import TOKENS_PAGE
from tests.conftest import MakeAccount
from tests.support.api import Api
from tests.support.tokens import MANY_TOKENS

pytestmark = pytest.mark.usefixtures("demo")


async def test_an_accounts_tokens_are_paged_by_id_and_live_ones_picked(
    directory: Api, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    account_id, token = await make_account("sahtel@example.ee")
    await conn.execute(MANY_TOKENS, account_id, TOKENS_PAGE + 30)
    every = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM directory.tokens WHERE account_id = $1 ORDER BY id", account_id
        )
    ]
    ended = every[1:80]  # half revoked, half expired; the rest still work
    await conn.execute(
        "UPDATE directory.tokens SET revoked_at = now() WHERE id = ANY($1)", ended[::2]
    )
    await conn.execute(
        "UPDATE directory.tokens SET expires_at = now() - interval '1 minute' WHERE id = ANY($1)",
        ended[1::2],
    )
    api = directory.as_(token)
    path = f"/v1/accounts/{account_id}/tokens"

    # Unasked, a page is TOKENS_PAGE long and links to the next (all came in one, before).
    first = await api.get(path)
    assert first.status == 200, first.text
    assert [t["id"] for t in first.json["items"]] == every[:TOKENS_PAGE]
    assert first.json["next"] is not None

    async def walk(url: str) -> tuple[list[int], int]:
        seen: list[int] = []
        pages = 0
        next_url: str | None = url
        while next_url:
            page = await api.get(next_url)
            assert page.status == 200, page.text
            assert len(page.json["items"]) <= 25
            seen += [t["id"] for t in page.json["items"]]
            next_url = page.json["next"]
            pages += 1
        return seen, pages

    assert await walk(f"{path}?limit=25") == (every, -(-len(every) // 25))
    live = [i for i in every if i not in ended]
    assert await walk(f"{path}?limit=25&live=true") == (live, -(-len(live) // 25))
    now_live = await api.get(f"{path}?live=true&limit=500")
    assert all(t["revoked_at"] is None for t in now_live.json["items"])
    assert now_live.json["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("after=-1", "after"),
        ("after=99999999999999999999", "after"),
        ("live=yes", "live"),
    ],
)
async def test_paging_that_cannot_be_is_refused_naming_the_field(
    directory: Api, make_account: MakeAccount, query: str, field: str
) -> None:
    account_id, token = await make_account("sahtel@example.ee")
    refused = await directory.as_(token).get(f"/v1/accounts/{account_id}/tokens?{query}")
    assert refused.status == 422, refused.text
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.problem_fields() == [field]


async def test_a_page_of_accounts_lists_a_few_live_tokens_of_each(
    directory: Api, admin_token: str, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    api = directory.as_(admin_token)
    busy, _ = await make_account("tihe@example.ee")
    quiet, _ = await make_account("vaikne@example.ee")
    await conn.execute(MANY_TOKENS, busy, 40)
    await conn.execute(
        "UPDATE directory.tokens SET revoked_at = now() WHERE account_id = $1 AND id % 2 = 0",
        busy,
    )
    asked = f"/v1/tokens?account={busy}&account={quiet}"
    listed = await api.get(f"{asked}&live=true&per_account=6")
    assert listed.status == 200, listed.text
    owners = [t["account_id"] for t in listed.json["items"]]
    assert (owners.count(busy), owners.count(quiet)) == (6, 1)
    assert all(t["revoked_at"] is None for t in listed.json["items"])
    assert len((await api.get(asked)).json["items"]) == 42  # unasked: every one, as before
    assert (await api.get(f"{asked}&per_account=0")).problem_fields() == ["per_account"]
    assert (await api.get(f"{asked}&live=1")).problem_fields() == ["live"]


async def test_every_accounts_tokens_come_a_page_at_a_time(
    directory: Api, admin_token: str, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    api = directory.as_(admin_token)
    busy, _ = await make_account("tihe@example.ee")
    await conn.execute(MANY_TOKENS, busy, TOKENS_PAGE + 10)
    every = [r["id"] for r in await conn.fetch("SELECT id FROM directory.tokens ORDER BY id")]
    first = await api.get("/v1/tokens")
    assert [t["id"] for t in first.json["items"]] == every[:TOKENS_PAGE]
    seen, following = [], "/v1/tokens?limit=40"
    while following:
        page = await api.get(following)
        assert len(page.json["items"]) <= 40
        seen += [t["id"] for t in page.json["items"]]
        following = page.json["next"]
    assert seen == every
    # A few of each named account's, paged as well; not of every account (each page would
    # read every account's first tokens).
    few = await api.get(f"/v1/tokens?account={busy}&per_account=30&limit=20")
    rest = await api.get(few.json["next"])
    busy_ones = await conn.fetch(
        "SELECT id FROM directory.tokens WHERE account_id = $1 ORDER BY id LIMIT 30", busy
    )
    assert [t["id"] for t in few.json["items"] + rest.json["items"]] == [r["id"] for r in busy_ones]
    assert rest.json["next"] is None
    assert (await api.get("/v1/tokens?per_account=3")).problem_fields() == ["per_account"]
