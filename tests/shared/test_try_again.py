"""The 429 text a person reads ("try again in N min") is written and rounded in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.i18n import translator
from shared.ratelimit import TRY_AGAIN, minutes_to_wait, try_again

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[2]


def test_a_wait_is_told_in_whole_minutes_rounded_up_never_zero() -> None:
    assert [minutes_to_wait(s) for s in (0, 1, 59, 60, 61, 3600)] == [1, 1, 1, 1, 2, 60]
    assert try_again(translator("en"), 61) == "Too many requests. Please try again in 2 min."
    for lang in ("et", "lv", "lt"):
        told = try_again(translator(lang), 120)
        assert "2" in told
        assert told != try_again(translator("en"), 120)  # translated


def test_no_service_writes_the_text_or_its_rounding_again() -> None:
    copies = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "services").rglob("*.py"))
        if TRY_AGAIN in (text := path.read_text("utf-8")) or re.search(r"\+ 59\) // 60", text)
    ]
    assert copies == []
