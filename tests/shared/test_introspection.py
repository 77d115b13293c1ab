"""An introspection answer read by another service: a round trip, and untrusted shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.identity import Caller
from shared.identity.caller import Kind
from shared.payloads import JSON

pytestmark = pytest.mark.fast

ISSUED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_a_caller_survives_its_own_introspection_answer() -> None:
    caller = Caller(
        Kind.API,
        account_id=7,
        email="madis@example.ee",
        name="Madis Jõemets",
        token_id=42,
        issued_at=ISSUED,
        grants={3: frozenset({"edit_contacts", "manage_lists"})},
        slugs={3: "ee"},
    )
    # As the other service reads it: JSON off the wire.
    answer: dict[str, JSON] = json.loads(json.dumps(caller.introspection()))
    assert Caller.from_introspection(answer) == caller


@pytest.mark.parametrize(
    "answer",
    [
        {"active": "yes", "token_type": "api"},
        {"active": True, "token_type": "service"},
        {"active": True, "token_type": "bogus"},
        {"active": True, "token_type": 1},
        {"active": True},
    ],
)
def test_an_answer_that_is_not_an_active_person_is_no_caller(answer: dict[str, JSON]) -> None:
    assert Caller.from_introspection(answer) is None


def test_fields_of_the_wrong_json_type_count_as_absent() -> None:
    answer: dict[str, JSON] = {
        "active": True,
        "token_type": "api",
        "iat": "yesterday",
        "kontakt": {
            "account_id": "7",
            "email": ["madis@example.ee"],
            "is_admin": "true",
            "networks": {"ee": "edit_contacts", "lv": ["manage_lists", "fly"], "lt": ["x"]},
            "network_ids": {"ee": 3, "lv": 4, "lt": "5"},
        },
    }
    caller = Caller.from_introspection(answer)
    assert caller is not None
    assert (caller.account_id, caller.email, caller.is_admin, caller.issued_at) == (
        0,
        "",
        False,
        None,
    )
    # Only a list of known permissions for a network with an integer id is a grant.
    assert caller.grants == {4: frozenset({"manage_lists"})}
    assert caller.slugs == {3: "ee", 4: "lv"}
