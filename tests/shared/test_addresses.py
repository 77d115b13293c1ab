"""The fast address check gives exactly email-validator's answers."""

from __future__ import annotations

import random

import pytest
from email_validator import EmailNotValidError, validate_email

from shared.addresses import normalize_address

pytestmark = pytest.mark.fast  # pure functions: `make test-fast`

CASES = [
    "a@b.ee", "A.B@Example.EE", "x@näide.ee", "x@NÄIDE.ee", "a..b@x.ee", ".a@x.ee", "a.@x.ee",
    "a@x", "a@-x.ee", "a@x..ee", "a b@x.ee", "a@x.ee ", "  a@x.ee", "a@ x.ee", "a@localhost",
    "a@[1.2.3.4]", '"q"@x.ee', "ž@x.ee", "a@x.ee.", "a@x_y.ee", "a@" + "x" * 64 + ".ee",
    "a@x.invalid", "a@x.test", "a@123.45", "a+tag@gmail.com", "a@xn--nide-loa.ee", "a@@x.ee",
    "@x.ee", "a@", "a@x.ee\n", "a@x.ee\x00", "a@X.COM", "a@x.ee:25", "a@.ee", "a@x-.ee",
    "Ž@Ž.lt", "a@x.local", "Kisevičienė@lrv.lt", "x" * 64 + "@x.ee", "x" * 65 + "@x.ee",
    "a@" + ".".join(["abcdefghi"] * 30) + ".ee",
]  # fmt: skip


def answer(check: object, raw: str) -> tuple[str, str]:
    """("ok", normalised) or ("error", message)."""
    try:
        if check is validate_email:
            return "ok", validate_email(raw, check_deliverability=False).normalized
        return "ok", normalize_address(raw)
    except EmailNotValidError as exc:
        return "error", str(exc)


@pytest.mark.parametrize("raw", CASES)
def test_same_answer_as_email_validator(raw: str) -> None:
    assert answer(normalize_address, raw) == answer(validate_email, raw)


def test_same_answer_on_random_addresses() -> None:
    alphabet = "abcXYZ09.+-_@ šž!'\"()[]\\"
    rng = random.Random(20261125)
    for _ in range(5000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        raw += rng.choice(["@x.ee", "@NÄIDE.lv", "", "@x", "@lrv.lt."])
        assert answer(normalize_address, raw) == answer(validate_email, raw), raw
