"""A campaign followed to its end, and the newsletter body the tests send."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from tests.support.mailing import Mailing


async def wait_done(
    mailing: Mailing, token: str, campaign: int, seconds: float = 60
) -> dict[str, Any]:
    """Poll the campaign until it is done."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reply = await mailing.api.as_(token).get(f"/v1/campaigns/{campaign}")
        if reply.json["status"] == "done":
            result: dict[str, Any] = reply.json
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"campaign {campaign} did not finish: {reply.json}")


LONG = "https://for-in.example/uudised/2026/detsember/loimumine-ja-kogukonnad?utm_source=kiri&x=1"

BODY = (
    "# Tere, {name}!\n\n"
    "Detsembri uudised: [kogukonnad ja lõimumine](" + LONG + ") ning <https://for-in.example>.\n\n"
    "- Rīga: [kohtumine](https://for-in.example/riga)\n"
    "- Vilnius: [seminar](" + LONG + ")\n\n"
    "> Kisevičienė: „Tere tulemast!”\n"
)

# The links a message carries per recipient, made when it is built (signed, time-stamped).
TOKENS = re.compile(r"/(unsubscribe|preferences)/[A-Za-z0-9._~-]+")


def same_but_tokens(text: str) -> str:
    """A part with its per-recipient link tokens blanked."""
    return TOKENS.sub(r"/\1/TOKEN", text)
