"""A network's contact order: its revision, and the steps positions are written in."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

# Positions are written in steps, so a single PATCH can later slot a contact in between.
STEP = 10
# Larger than any network's contacts (the import takes a network's whole book in one file).
MAX_IDS = 100_000


def order_revision(ids: Sequence[int]) -> str:
    """The order's revision: a digest of the ids in order (changes with any move, add, delete)."""
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    return digest[:20]
