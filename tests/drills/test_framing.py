"""No page may be framed by another site, except those made to be embedded.

Pages are found from the OpenAPI documents (directory, mailing) and the console's router,
so a new page is checked without anyone listing it here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from services.console.app import create_app as create_console
from services.directory.paths import OPENAPI as DIRECTORY_OPENAPI
from services.mailing.paths import OPENAPI as MAILING_OPENAPI
from shared.web import load_openapi
from tests.support.newsletters import EE_LIST
from tests.support.sessions import signed_in_with_csrf
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")

# Made to sit in other sites' pages (each with its own rule for which sites).
EMBEDDABLE = {
    "mailing /subscribe/{slug}",
    "directory /embed/{network}",
    "directory /fragment/{network}",
    "directory /reveal/{id}",
}


def documented_pages(service: str, path: Any) -> list[str]:
    """`service template` of every GET a document says may answer with a page."""
    document = load_openapi(path)
    shared = document.get("components", {}).get("responses", {})
    found = []
    for template, operations in document["paths"].items():
        for response in (operations.get("get") or {}).get("responses", {}).values():
            if "$ref" in response:
                response = shared[response["$ref"].rsplit("/", 1)[1]]
            if "text/html" in (response.get("content") or {}):
                found.append(f"{service} {template}")
                break
    return found


def console_pages(stack: Stack) -> list[str]:
    """`console template` of every GET route of the console."""
    app = create_console(stack.settings)
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        template = info.get("formatter") or info.get("path")
        if route.method == "GET" and template and not template.startswith("/static"):
            found.add(f"console {re.sub(r':[^}]*', '', template)}")
    return sorted(found)


async def test_no_page_can_be_framed_but_the_embeddable_ones(
    stack: Stack, coordinator: str
) -> None:
    http, _ = await signed_in_with_csrf(stack, coordinator)
    auth = {"Authorization": f"Bearer {coordinator}"}
    async with http.post(f"{stack.mailing}/v1/lists", json=EE_LIST, headers=auth) as r:
        assert r.status == 201
    async with http.post(
        f"{stack.mailing}/v1/lists/ee-uudised/campaigns",
        json={"subject": "Uudised", "body": "Tere!"},
        headers=auth,
    ) as r:
        campaign = (await r.json())["id"]
    async with http.get(f"{stack.directory}/v1/networks/ee/contacts") as r:
        contact = (await r.json())["items"][0]["id"]
    values = {
        "slug": "ee-uudised",
        "network": "ee",
        "token": "forged.token",
        "key": "no-such-key",
        "id": str(contact),
    }
    bases = {"directory": stack.directory, "mailing": stack.mailing, "console": stack.console}
    pages = [
        *documented_pages("directory", DIRECTORY_OPENAPI),
        *documented_pages("mailing", MAILING_OPENAPI),
        *console_pages(stack),
    ]
    assert {"mailing /manage/{key}", "console /contacts", "directory /embed/{network}"} <= set(
        pages
    )
    checked = 0
    try:
        for page in pages:
            service, template = page.split(" ", 1)
            path = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), template)
            if template.startswith("/campaigns/{id}"):
                path = template.replace("{id}", str(campaign))
            async with http.get(bases[service] + path, allow_redirects=False) as answer:
                assert answer.status < 500, page
                if answer.content_type != "text/html" or page in EMBEDDABLE:
                    continue
                policy = answer.headers.get("Content-Security-Policy", "")
                ancestors = re.search(r"frame-ancestors ([^;]+)", policy)
                assert ancestors, (page, policy)
                rule = ancestors.group(1).strip()
                assert rule in {"'none'", "'self'"}, (page, rule)
                wanted = "DENY" if rule == "'none'" else "SAMEORIGIN"
                assert answer.headers.get("X-Frame-Options") == wanted, page
                checked += 1
    finally:
        await http.close()
    assert checked > 15
