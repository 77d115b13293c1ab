"""Member search: every typed word begins a word of the member, through a built-in GIN index."""

from __future__ import annotations

import json
import unicodedata

import asyncpg
import pytest

from services.mailing.keys import QUERIES
from shared.queries import Queries
from tests.conftest import MakeAccount
from tests.ops.previous_release import HERE
from tests.support.api import Api
from tests.support.mailing import StartMailing
from tests.support.newsletters import EE_LIST, people, readers, tokens
from tests.support.plans import scans_run

pytestmark = pytest.mark.usefixtures("demo")


async def _found(api: Api, q: str, slug: str = "ee-uudised", **more: str) -> list[str]:
    """The addresses every page of the search `q` shows, in order (a 200 each time)."""
    found: list[str] = []
    after = None
    while True:
        params = {"q": q, **more} | ({"after": after} if after else {})
        reply = await api.get(f"/v1/lists/{slug}/members", params=params)
        assert reply.status == 200, (q, reply.text)
        found += [m["email"] for m in reply.json["items"]]
        after = reply.json["next"]
        if after is None:
            return found


async def _editor(start_mailing: StartMailing, make_account: MakeAccount) -> Api:
    mailing = await start_mailing(mailing_worker=False)
    editor, _ = await tokens(make_account)
    api = mailing.api.as_(editor)
    assert (await api.post("/v1/lists", json=EE_LIST)).status == 201
    return api


async def test_accents_and_case_are_ignored_both_ways(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    api = await _editor(start_mailing, make_account)
    await people(
        conn,
        "ee-uudised",
        [
            ("aiste@example.lt", "Aistė Kisevičienė", "confirmed"),
            ("daina@example.lv", "Daina Mežecka", "confirmed"),
            ("mari@example.ee", "Mari Jõemets", "pending"),
            ("plain@example.lt", "Aiste Kiseviciene", "confirmed"),
            ("strasse@example.de", "Jürgen Straße", "confirmed"),
            ("other@example.ee", "Lugeja", "confirmed"),
        ],
    )
    assert await _found(api, "kiseviciene") == ["aiste@example.lt", "plain@example.lt"]
    assert await _found(api, "KISEVIČIENĖ") == ["aiste@example.lt", "plain@example.lt"]
    assert await _found(api, "mezecka") == ["daina@example.lv"]
    assert await _found(api, "joemets") == ["mari@example.ee"]
    assert await _found(api, "Jõemets", status="pending") == ["mari@example.ee"]
    assert await _found(api, "Jõemets", status="confirmed") == []
    # Decomposed letters (e + combining caron) are the same letters.
    assert await _found(api, unicodedata.normalize("NFD", "Kisevičienė")) == [
        "aiste@example.lt",
        "plain@example.lt",
    ]
    assert await _found(api, "strasse") == await _found(api, "STRAẞE") == ["strasse@example.de"]
    # Every typed word begins a word, in any order; not a word begun in the middle.
    assert await _found(api, "kis aist") == ["aiste@example.lt", "plain@example.lt"]
    assert await _found(api, "mari lugeja") == []
    assert await _found(api, "evičienė") == []
    # The address's parts are words, and a typed address is matched as an address.
    assert await _found(api, "example lv") == ["daina@example.lv"]
    assert await _found(api, "Aiste@Example.LT") == ["aiste@example.lt"]
    assert await _found(api, "aiste@exa") == ["aiste@example.lt"]


ODD = [
    "&",
    "|",
    "!",
    ":*",
    "()",
    "'",
    '"',
    "\\",
    "<->",
    "%",
    "_",
    "' & '",
    "a:*B",
    "kisev & !mež | (x)",
    "!kisev",
    "kisev:*",
    "'kisev'",
    '"kisev"',
    "kisev\\",
    "\\'kisev",
    "o'brien@example.ie",
    "o\\'b@x",
    "@",
    "@@",
    "a@",
    "@example",
    "é\u0301",
    "—",
    "x" * 254,
    " ".join(["a"] * 127),
]


async def test_tsquery_syntax_and_punctuation_typed_never_fail(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """Operators, quotes, backslashes and bare punctuation are typed text: a 200 every time."""
    api = await _editor(start_mailing, make_account)
    await people(
        conn,
        "ee-uudised",
        [
            ("aiste@example.lt", "Aistė Kisevičienė", "confirmed"),
            ("o'brien@example.ie", "Seán O'Brien", "confirmed"),
            ("back\\slash@example.ee", "Back Slash", "confirmed"),
        ],
    )
    results = {q: await _found(api, q) for q in ODD}
    # Nothing left to look for: nobody (not everyone).
    for only_punctuation in ("&", "|", "!", ":*", "()", "'", '"', "\\", "<->", "%", "_", "' & '"):
        assert results[only_punctuation] == [], only_punctuation
    for spelled in ("!kisev", "kisev:*", "'kisev'", '"kisev"', "kisev\\", "\\'kisev"):
        assert results[spelled] == ["aiste@example.lt"], spelled
    assert results["kisev & !mež | (x)"] == []  # three words, not an expression
    assert results["o'brien@example.ie"] == ["o'brien@example.ie"]
    assert await _found(api, "o'brien") == ["o'brien@example.ie"]
    assert await _found(api, "back\\slash@example.ee") == ["back\\slash@example.ee"]
    assert results["@example"] == [
        "aiste@example.lt",
        "back\\slash@example.ee",
        "o'brien@example.ie",
    ]


async def test_a_word_longer_than_an_index_entry_is_stored_and_found(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """A GIN entry holds about 2,700 bytes: a longer word (a pasted blob as a name, written by
    any release's code) is cut to 255 letters, never refused, and its beginning still finds it."""
    api = await _editor(start_mailing, make_account)
    blob = "Ž" + "x" * 3000
    await people(conn, "ee-uudised", [("blob@example.ee", f"Mari {blob}", "confirmed")])
    await people(conn, "ee-uudised", [("short@example.ee", "Mari Zxx", "confirmed")])
    assert await _found(api, "mari zxxxx") == ["blob@example.ee"]
    assert await _found(api, blob[:254]) == ["blob@example.ee"]


async def test_paging_a_search_shows_every_match_once(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """A common text (answered by walking the list) and a rare one (by the index), page by
    page: every match once, in address order, whichever way each page was found."""
    api = await _editor(start_mailing, make_account)
    common = [f"k{n:04d}@example.lt" for n in range(2600)]
    await readers(conn, "ee-uudised", common, "Aistė Kisevičienė")
    rare = [f"j{n:04d}@example.ee" for n in range(0, 5000, 40)]
    await readers(conn, "ee-uudised", rare, "Mari Jõemets")
    await readers(conn, "ee-uudised", [f"z{n:04d}@example.lv" for n in range(2500)], "Lugeja")
    await conn.execute("ANALYZE mailing.subscriptions")

    assert await _found(api, "kisev", limit="500") == common
    assert await _found(api, "joemets", limit="7") == rare
    # A page that starts in the common text and runs past its end.
    found = await _found(api, "example", limit="333")
    assert found == sorted(common + rare + [f"z{n:04d}@example.lv" for n in range(2500)])
    assert len(found) == len(set(found))


async def test_the_words_follow_every_change_and_the_previous_release_s_writes(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    api = await _editor(start_mailing, make_account)
    list_id = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = 'ee-uudised'")
    await people(conn, "ee-uudised", [("aiste@example.lt", "Aistė Kisevičienė", "confirmed")])

    # The subscriber's address and name change (the member's own row, every list's view).
    await conn.execute(
        "UPDATE mailing.subscribers SET email = 'aiste.k@pastas.lt', name = 'Aistė Mežecka'"
        " WHERE email = 'aiste@example.lt'"
    )
    assert await _found(api, "pastas mezecka") == ["aiste.k@pastas.lt"]
    assert await _found(api, "kisev") == await _found(api, "example") == []

    # The list's own name for them (a coordinator's file renames members: rename-members).
    queries = api.client.app[QUERIES]
    await conn.execute(queries["rename-members"], list_id, ["aiste.k@pastas.lt"], ["Aistė Jõemets"])
    assert await _found(api, "joemets") == ["aiste.k@pastas.lt"]
    assert await _found(api, "mezecka") == []
    # The subscriber's name no longer shows here: the list's name wins, as on the page.
    await conn.execute("UPDATE mailing.subscribers SET name = 'Aistė Vaitkutė'")
    assert await _found(api, "vaitkute") == []
    assert await _found(api, "joemets") == ["aiste.k@pastas.lt"]

    # The previous release's code names neither column: the triggers fill them.
    previous = Queries.load(HERE / "mailing" / "queries", schema="mailing")
    subscriber = await conn.fetchval(previous["upsert-subscriber"], "Vana@Example.EE", "Vello Õun")
    await conn.execute(previous["insert-subscription"], list_id, subscriber, "et")
    assert await _found(api, "vello oun") == ["Vana@Example.EE"]
    assert await _found(api, "vana@example.ee") == ["Vana@Example.EE"]
    await conn.fetchval(previous["upsert-subscriber"], "vana@example.ee", "Vello Mänd")
    assert await _found(api, "mand") == ["Vana@Example.EE"]
    assert await _found(api, "oun") == []
    # A subscription moved to another list is found there, not in the first.
    await api.post("/v1/lists", json=EE_LIST | {"slug": "ee-teine"})
    other = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = 'ee-teine'")
    await conn.execute(
        "UPDATE mailing.subscriptions SET list_id = $1 WHERE subscriber_id = $2", other, subscriber
    )
    assert await _found(api, "mand") == []
    assert await _found(api, "mand", slug="ee-teine") == ["Vana@Example.EE"]


async def test_a_rare_search_of_a_large_list_reads_its_matches_through_the_index(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    """A name one in a thousand has, on a list of 20,000 beside another list where everyone has
    it: the list's matches come from the GIN index (its list lexeme keeping out the other list's),
    and a page reads a bounded number of rows (counted with EXPLAIN ANALYZE, not timed)."""
    api = await _editor(start_mailing, make_account)
    await api.post("/v1/lists", json=EE_LIST | {"slug": "ee-teine"})
    size = 20_000
    rare = [f"a{n:05d}@example.ee" for n in range(0, size, 1000)]
    await readers(conn, "ee-uudised", rare, "Mari Jõemets")
    others = [f"a{n:05d}@example.ee" for n in range(size) if n % 1000]
    await readers(conn, "ee-uudised", others, "Daina Mežecka")
    await readers(conn, "ee-teine", [f"b{n:05d}@example.lv" for n in range(5000)], "Jõemets")
    # As autovacuum leaves a table after a bulk load: the GIN index's pending list (its fast
    # inserts) merged, which the planner counts in an index scan's cost.
    await conn.execute("VACUUM ANALYZE mailing.subscriptions")
    await conn.execute("ANALYZE mailing.subscribers")
    queries = api.client.app[QUERIES]
    list_id = await conn.fetchval("SELECT id FROM mailing.lists WHERE slug = 'ee-uudised'")

    async def read(typed: str, after: str | None = None) -> tuple[float, list[str], list[str]]:
        async with conn.transaction():
            await conn.execute(queries["plan-each-time"])
            explained = await conn.fetchval(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {queries['search-members']}",
                list_id,
                None,
                typed,
                after,
                51,
            )
        return scans_run(json.loads(explained)[0]["Plan"], "subscriptions")

    rows, kinds, indexes = await read("jõemets")
    assert "subscriptions_words" in indexes, indexes
    assert "Bitmap Heap Scan" in kinds, kinds
    assert "Seq Scan" not in kinds
    # At most one walk of 2,000 subscriptions and the 20 matches: a tenth of the list.
    assert rows <= 2000 + 20, rows
    rows, kinds, indexes = await read("jõemets", "a10000@example.ee")
    assert "subscriptions_words" in indexes, indexes
    assert rows <= 2000 + 20, rows
    # A common text fills its page from the walk, which stops there; the index is not read.
    rows, kinds, indexes = await read("mežecka")
    assert "subscriptions_words" not in indexes, indexes
    assert "Seq Scan" not in kinds, kinds
    assert rows <= 51 + 5, rows
    assert await _found(api, "jõemets", limit="7") == rare
