"""NFC at the edge: one place in shared/, and every service reads its text through it."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from shared.errors import read_form, read_object
from shared.settings import Settings
from shared.text import nfc, nfc_json
from shared.web import base_app

ROOT = Path(__file__).resolve().parents[2]
NAME = "Kisevičienė Jõemets Mežecka"
DECOMPOSED = unicodedata.normalize("NFD", NAME)


@pytest.mark.fast
def test_nfc_composes_and_leaves_the_rest_alone() -> None:
    assert DECOMPOSED != NAME
    assert nfc(DECOMPOSED) == NAME
    ascii_text = "plain"
    assert nfc(ascii_text) is ascii_text
    assert nfc_json({DECOMPOSED: [DECOMPOSED, 1, None, {"k": DECOMPOSED}]}) == {
        NAME: [NAME, 1, None, {"k": NAME}]
    }


async def test_bodies_forms_and_queries_reach_handlers_composed(settings: Settings) -> None:
    seen: dict[str, Any] = {}

    async def handler(request: web.Request) -> web.Response:
        seen["query"] = request.query["q"]
        if request.content_type == "application/json":
            seen["body"] = (await read_object(request))["name"]
        else:
            seen["body"] = (await read_form(request))["name"]
        return web.Response(text="ok")

    app = base_app(settings)
    app.router.add_post("/echo", handler)
    async with TestClient(TestServer(app)) as client:
        seen.clear()
        reply = await client.post("/echo", params={"q": DECOMPOSED}, json={"name": DECOMPOSED})
        assert reply.status == 200
        assert seen == {"query": NAME, "body": NAME}
        seen.clear()
        reply = await client.post("/echo", params={"q": DECOMPOSED}, data={"name": DECOMPOSED})
        assert reply.status == 200
        assert seen == {"query": NAME, "body": NAME}


@pytest.mark.fast
def test_no_service_reads_text_past_the_edge() -> None:
    """Forms and JSON are read only through shared/errors.py and shared/text.py."""
    allowed = {ROOT / "shared" / "errors.py", ROOT / "shared" / "text.py"}
    offenders = []
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "shared").rglob("*.py")]:
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"post", "json", "text"}
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "request"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders
