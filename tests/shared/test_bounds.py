"""Every in-process cache has a bound: memory stays flat however many keys pass through."""

from __future__ import annotations

import pytest

from shared.conditional import VersionedCache
from shared.identity.access import REMEMBERED, Identity
from shared.identity.caller import Caller

pytestmark = pytest.mark.fast


def test_a_versioned_cache_keeps_its_size_and_the_recently_used() -> None:
    cache: VersionedCache[int] = VersionedCache(size=3, name="test")
    for n in range(3):
        cache.put(f"v1:{n}", n)
    assert cache.get("v1:0") == 0  # used: the oldest now is v1:1
    for n in range(3, 1000):
        cache.put(f"v1:{n}", n)
        if n == 3:
            assert cache.get("v1:1") is None
            assert cache.get("v1:0") == 0
    assert [cache.get(f"v1:{n}") for n in (997, 998, 999)] == [997, 998, 999]
    assert cache.get("v1:0") is None


async def test_remembered_answers_stay_below_their_bound() -> None:
    asked: list[str] = []

    async def not_active(token: str) -> Caller | None:
        # What the directory answers for a token it does not know.
        asked.append(token)
        return None

    identity = Identity(not_active, service_token=None, remember=10.0)
    for n in range(REMEMBERED * 2 + 5):
        assert await identity.resolve(f"kt_{n}") is None
    assert len(identity._remembered) <= REMEMBERED
    assert await identity.resolve(f"kt_{REMEMBERED * 2 + 4}") is None
    assert len(asked) == REMEMBERED * 2 + 5  # the last one was remembered
