"""Every CSV any service writes is safe to open in a spreadsheet (OWASP's CSV injection rule).

The routes that answer `text/csv` are read from the OpenAPI documents, so a new export
without a recipe here fails; the code is searched for a second CSV writer.
"""

from __future__ import annotations

import ast
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from services.directory.paths import OPENAPI as DIRECTORY_OPENAPI
from services.mailing.paths import OPENAPI as MAILING_OPENAPI
from services.vcard.paths import OPENAPI as VCARD_OPENAPI
from shared.web import load_openapi
from tests.conftest import MakeAccount
from tests.support.api import Api
from tests.support.forms import form_fields
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import EE_LIST
from tests.support.spreadsheets import HOSTILE, assert_safe

pytestmark = pytest.mark.usefixtures("demo")

ROOT = Path(__file__).resolve().parents[2]


async def _subscribers(mailing: Mailing, token: str) -> tuple[Api, str, list[str]]:
    """A list with a stranger's pending subscription (the public form) and imported names."""
    api = mailing.api.as_(token)
    assert (await api.post("/v1/lists", json=EE_LIST)).status == 201
    page = await mailing.api.get("/subscribe/ee-uudised")
    fields = form_fields(page.text) | {"email": "stranger@example.ee", "name": HOSTILE[0]}
    assert (await mailing.api.post("/subscribe/ee-uudised", data=fields)).status == 200
    rows = "".join(f'reader{i}@example.ee,"{h}"\r\n' for i, h in enumerate(HOSTILE[1:]))
    imported = await api.post(
        "/v1/lists/ee-uudised/import?consent=signed+up+on+paper",
        data=("email,name\r\n" + rows).encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status == 200
    assert not imported.json["rejected"], imported.text
    # The raw values stay available through the JSON API.
    members = (await api.get("/v1/lists/ee-uudised/members")).json["items"]
    # (the form folds whitespace in names, so compare what the form kept)
    assert {m["name"] for m in members} >= {HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3]}
    return api, "/v1/lists/ee-uudised/export.csv", HOSTILE[:4]


async def _contacts(mailing: Mailing, token: str) -> tuple[Api, str, list[str]]:
    """A contact an editor wrote with formula-like name and titles, and a phone in E.164."""
    api = mailing.directory.as_(token)
    body = {
        "given_name": HOSTILE[0],
        "family_name": HOSTILE[3],
        "titles": {"en": HOSTILE[1], "et": HOSTILE[2]},
        "phones": ["+372 5046 570"],
        "networks": ["ee"],
    }
    made = await api.post("/v1/contacts", json=body)
    assert made.status == 201, made.text
    raw = (await api.get(f"/v1/contacts/{made.json['id']}")).json
    assert raw["given_name"] == HOSTILE[0]  # JSON keeps the raw value
    return api, "/v1/networks/ee/contacts.csv", [*HOSTILE[:4], "cell:+372 5046 570"]


Recipe = Callable[[Mailing, str], Awaitable[tuple[Api, str, list[str]]]]
RECIPES: dict[str, Recipe] = {
    "mailing GET /v1/lists/{slug}/export.csv": _subscribers,
    "directory GET /v1/networks/{slug}/contacts.csv": _contacts,
}


def csv_routes() -> set[str]:
    """Every operation of every service whose answers include text/csv."""
    found = set()
    for service, path in (
        ("directory", DIRECTORY_OPENAPI),
        ("mailing", MAILING_OPENAPI),
        ("vcard", VCARD_OPENAPI),
    ):
        for template, operations in load_openapi(path)["paths"].items():
            for method, operation in operations.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                for response in (operation.get("responses") or {}).values():
                    if "text/csv" in (response.get("content") or {}):
                        found.add(f"{service} {method.upper()} {template}")
    return found


def test_every_csv_route_has_a_recipe() -> None:
    assert csv_routes() == set(RECIPES)


@pytest.mark.parametrize("route", sorted(RECIPES))
async def test_every_csv_export_neutralises_formulas(
    route: str, start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    mailing = await start_mailing()
    perms = ("edit_contacts", "manage_lists")
    _, token = await make_account("ee@example.ee", permissions={"ee": perms})
    api, url, hostile = await RECIPES[route](mailing, token)
    exported = await api.get(url)
    assert exported.status == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert_safe(exported.text, hostile)


def test_one_csv_writer() -> None:
    """Only shared/csvio.py writes CSV: a second writer would skip the neutralising."""
    writers = []
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]:
        if path == ROOT / "shared" / "csvio.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
                and node.attr in {"writer", "DictWriter"}
            ):
                writers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not writers, f"CSV written outside shared/csvio.py: {writers}"
