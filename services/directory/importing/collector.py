"""Python's cyclic garbage collector, made cheaper while an import runs.

An import allocates a few dozen containers a row (dicts, lists, dataclasses) that live only
as long as their chunk. With the default threshold (a young collection every 700
allocations) the collector walks them many times over: about a fifth of an import's Python
CPU. While any import runs, the youngest generation is collected every `YOUNG` allocations
instead (a few MB of young objects at most); the checking workers keep that threshold.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG = 10_000

_running = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def relaxed() -> Iterator[None]:
    """Collect the youngest generation every `YOUNG` allocations until the last import ends."""
    global _running, _saved
    if _running == 0:
        _saved = gc.get_threshold()
        young, middle, old = _saved
        gc.set_threshold(max(young, YOUNG), middle, old)
    _running += 1
    try:
        yield
    finally:
        _running -= 1
        if _running == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            _saved = None


def settle_worker() -> None:
    """A checking worker's start: what is loaded stays out of collections; young ones rarer."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
