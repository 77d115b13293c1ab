"""Schemathesis against each running service's /openapi.json: no 5xx, every answer documented."""

from __future__ import annotations

import pytest

from tests.support.fuzzing import fuzz
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")


@pytest.mark.timeout(600)
async def test_directory_and_vcard_survive_fuzzing(services: Pair, admin_token: str) -> None:
    for api in (services.directory, services.vcard):
        base = str(api.client.make_url("")).rstrip("/")
        code, output = await fuzz(base, admin_token)
        assert code == 0, output[-4000:]
        assert "passed" in output
