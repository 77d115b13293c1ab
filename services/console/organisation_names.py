"""Organisations by name: a slug made from a name, the one a typed name means, all of them."""

from __future__ import annotations

import re
import unicodedata

from aiohttp import web

from services.console.pages import backend, session_of
from shared.payloads import Organisation


def slug_from(name: str) -> str:
    """A slug from a name: Rīgas dome -> rigas-dome (letters without their marks)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:64]


async def all_organisations(request: web.Request) -> list[Organisation]:
    """Every organisation, named in the coordinator's language."""
    lang = session_of(request).lang
    found: list[Organisation] = (
        await backend(request).get("directory", f"/v1/organisations?lang={lang}")
    )["items"]
    return sorted(found, key=lambda o: (o["name"] or o["slug"]).casefold())


def chosen_organisation(typed_value: str, organisations: list[Organisation]) -> str | None:
    """The slug a contact form's organisation field means: a slug, or a name in any language."""
    value = typed_value.strip()
    if not value:
        return None
    for organisation in organisations:
        if value == organisation["slug"]:
            return value
    folded = value.casefold()
    for organisation in organisations:
        if any(folded == name.casefold() for name in organisation["names"].values()):
            return str(organisation["slug"])
    return value  # the directory says that there is no such organisation, on that field
