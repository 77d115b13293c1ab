"""QR codes are drawn off the event loop and kept: many clients fetching them leave it free."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.vcard.qr import draw
from tests.support.cards import contact_ids
from tests.support.dns import threads_in
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")


async def qr_lookups(services: Pair) -> dict[str, float]:
    """kontakt_cache_lookups_total for the QR drawings, by result (hit, miss)."""
    scraped = (await services.vcard.get("/metrics")).text
    return {
        s.labels["result"]: s.value
        for family in text_string_to_metric_families(scraped)
        for s in family.samples
        if s.name == "kontakt_cache_lookups_total" and s.labels.get("cache") == "qr"
    }


async def test_a_repeated_qr_code_is_drawn_once(services: Pair) -> None:
    ids = await contact_ids(services)
    path = f"/v1/contacts/{ids['Zibas']}/qr.png"
    before = await qr_lookups(services)
    first = await services.vcard.get(path)
    assert first.status == 200
    # Eight clients at once, then once more: the code is drawn only the first time.
    again = await asyncio.gather(*(services.vcard.get(path) for _ in range(8)))
    assert {reply.body for reply in again} == {first.body}
    after = await qr_lookups(services)
    assert after.get("miss", 0) - before.get("miss", 0) == 1
    assert after.get("hit", 0) - before.get("hit", 0) == 8
    # The ETag lets a client keep it: 304 without a drawing.
    etag = first.headers["ETag"]
    assert all(reply.headers["ETag"] == etag for reply in again)
    kept = await services.vcard.get(path, headers={"If-None-Match": etag})
    assert kept.status == 304
    # Another image of the card is another drawing with another ETag.
    svg = await services.vcard.get(f"/v1/contacts/{ids['Zibas']}/qr.svg")
    assert svg.headers["ETag"] != etag
    assert (await qr_lookups(services)).get("miss", 0) - before.get("miss", 0) == 2


async def test_the_loop_answers_while_many_qr_codes_are_drawn(services: Pair) -> None:
    """A health request during a burst of drawings takes less than one drawing takes alone.

    Before, segno drew on the event loop: every request waited for the drawings queued
    before it (/healthz p50 1 ms -> 131 ms while 8 clients fetched qr.png).
    """
    ids = sorted((await contact_ids(services)).values())
    sample = await services.vcard.get(f"/v1/contacts/{ids[0]}.vcf")
    text = sample.text
    durations = []
    for _ in range(3):  # one drawing's own duration, on this machine, now
        started = time.perf_counter()
        draw(text, "png")
        durations.append(time.perf_counter() - started)
    alone = statistics.median(durations)
    paths = [
        f"/v1/contacts/{contact}/qr.{kind}?lang={lang}"
        for contact in ids
        for kind in ("png", "svg")
        for lang in ("en", "et", "lv", "lt")
    ]
    fetching: list[asyncio.Task[Any]] = [
        asyncio.create_task(services.vcard.get(path)) for path in paths
    ]
    health: list[float] = []  # health requests asked while a code was being drawn
    drawers: set[str] = set()
    while not all(task.done() for task in fetching):
        drawing = threads_in("/segno/")
        if drawing:
            drawers.update(drawing)
            started = time.perf_counter()
            assert (await services.vcard.get("/healthz")).status == 200
            health.append(time.perf_counter() - started)
        await asyncio.sleep(0.001)
    assert {(await task).status for task in fetching} == {200}
    # Codes were drawn while this test ran on the loop: in the QR threads, never on the loop.
    assert drawers, "no code was ever drawn beside the loop"
    assert all(name.startswith("kontakt-qr") for name in drawers), drawers
    print(f"alone {alone * 1000:.1f} ms; health", [round(h * 1000, 1) for h in sorted(health)])
    assert statistics.median(health) < alone, (alone, sorted(health))
