"""Schemathesis against the running mailing service: no 5xx, every answer documented."""

from __future__ import annotations

import pytest

from tests.conftest import MakeAccount
from tests.support.fuzzing import fuzz
from tests.support.mailing import Mailing
from tests.support.newsletters import make_list

pytestmark = pytest.mark.usefixtures("demo")


@pytest.mark.timeout(600)
async def test_mailing_survives_fuzzing(mailing: Mailing, make_account: MakeAccount) -> None:
    # An admin, so that the suppression list's operations are reached too.
    _, token = await make_account("admin@example.ee", admin=True)
    await make_list(mailing, token)
    code, output = await fuzz(mailing.base, token)
    assert code == 0, output[-4000:]
