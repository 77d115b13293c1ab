"""Schemathesis against each running service's /openapi.json: no 5xx, every answer documented."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = os.environ.get("FUZZ_EXAMPLES", "15")
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)


async def fuzz(base: str, token: str) -> tuple[int, str]:
    """Run the schemathesis CLI against a service while this event loop keeps serving it."""
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/openapi.json",
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        EXAMPLES,
        "--seed",
        "20261125",
        "--no-color",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return await process.wait(), output.decode(errors="replace")


@pytest.mark.timeout(600)
async def test_directory_and_vcard_survive_fuzzing(services: Pair, admin_token: str) -> None:
    for api in (services.directory, services.vcard):
        base = str(api.client.make_url("")).rstrip("/")
        code, output = await fuzz(base, admin_token)
        assert code == 0, output[-4000:]
        assert "passed" in output
