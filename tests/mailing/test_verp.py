"""VERP addresses and Message-IDs: genuine ones read back, every tampered one refused (None)."""

from __future__ import annotations

import pytest

from services.mailing.returns import verp
from shared.settings import Settings

pytestmark = pytest.mark.fast  # pure functions: `make test-fast`

SETTINGS = Settings.from_env(
    {}, database_url="postgresql://kontakt@localhost/k", secret_key="verp-key-of-this-year"
)
BOUNCE = verp.address(SETTINGS, "bounce", 12, 345, "example.ee")
UNSUBSCRIBE = verp.address(SETTINGS, "unsubscribe", 12, 345, "example.ee")
MAC = BOUNCE.split("@")[0].rsplit(".", 1)[1]


def test_genuine_addresses_read_back_however_an_mta_writes_them() -> None:
    assert verp.read_address(SETTINGS, BOUNCE) == ("bounce", 12, 345)
    assert verp.read_address(SETTINGS, f"<{BOUNCE.upper()}>") == ("bounce", 12, 345)
    assert verp.read_address(SETTINGS, UNSUBSCRIBE) == ("unsubscribe", 12, 345)
    message_id = verp.message_id(SETTINGS, 12, 345, "example.ee")
    assert verp.read_message_ids(SETTINGS, f"In-Reply-To: {message_id}\n{message_id}") == [
        (12, 345)
    ]


TAMPERED = [
    BOUNCE.replace("bounces+12.345", "bounces+12.346"),  # another subscriber
    BOUNCE.replace("bounces+12.345", "bounces+13.345"),  # another campaign
    BOUNCE.replace("bounces+12.345", "bounces+345.12"),  # swapped
    UNSUBSCRIBE.replace("unsubscribe+", "bounces+"),  # another purpose's MAC
    BOUNCE.replace("bounces+", "unsubscribe+"),
    BOUNCE.replace(MAC, MAC[:-1]),  # truncated
    BOUNCE.replace(MAC, MAC + "0"),
    BOUNCE.replace(MAC, "0" * len(MAC)),
    BOUNCE.replace(MAC, MAC + ".1"),  # an extra part
    BOUNCE.replace("12.345", "12.345.0"),
    BOUNCE.replace("bounces+", "owner+"),
    BOUNCE.replace("bounces+", "bounces-"),
    BOUNCE.replace("bounces+12", "bounces+-12"),
    BOUNCE.replace("bounces+12", "bounces+1\u00b2"),  # digits int() refuses or reads otherwise
    BOUNCE.replace("bounces+12", "bounces+\uff11\uff12"),
    BOUNCE.replace("bounces+12", "bounces+1_2"),
    BOUNCE.replace("bounces+12", "bounces+" + "9" * 19),
    "bounces+@example.ee",
    "bounces+12.345.@example.ee",
    "bounces@example.ee",
    "",
    "@",
]


@pytest.mark.parametrize("address", TAMPERED)
def test_a_tampered_address_is_nobody(address: str) -> None:
    assert verp.read_address(SETTINGS, address) is None


def test_another_installation_s_tokens_are_nobody() -> None:
    other = SETTINGS.replace(secret_key="verp-key-of-next-year")
    assert verp.read_address(other, BOUNCE) is None
    message_id = verp.message_id(SETTINGS, 12, 345, "example.ee")
    assert verp.read_message_ids(other, message_id) == []
    digits = message_id.replace("kontakt.12", "kontakt.\u0661\u0662")  # Arabic-Indic 12
    assert verp.read_message_ids(SETTINGS, digits) == []
