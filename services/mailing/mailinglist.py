"""A mailing list: its row, its JSON (`#/components/schemas/List`) and its editable fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypedDict
from urllib.parse import urlsplit

import asyncpg
from aiohttp import web
from email_validator import EmailNotValidError

from services.mailing.access import require
from services.mailing.keys import POOL, QUERIES
from shared.addresses import normalize_address
from shared.errors import NotFound
from shared.http import ascii_url, origin_of, web_origin
from shared.i18n import LANGUAGES, pick
from shared.identity import Caller, identify
from shared.payloads import MailingList, Texts
from shared.validate import Fields, person_name

EDITABLE = (
    "slug",
    "network",
    "lang",
    "names",
    "descriptions",
    "from_name",
    "from_address",
    "reply_to",
    "thank_you_url",
    "colour",
    "logo_url",
)
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class ListFields(TypedDict):
    """A list's editable fields as checked by `list_fields` (the required ones always set)."""

    slug: str
    network: str
    lang: str
    names: Texts
    descriptions: Texts
    from_name: str
    from_address: str
    reply_to: str | None
    thank_you_url: str | None
    colour: str | None
    logo_url: str | None


def list_json(row: asyncpg.Record, confirmed: int) -> MailingList:
    """A list as the API shows it, with its `confirmed` subscribers counted by the caller."""
    return {
        "slug": row["slug"],
        "network": row["network"],
        "lang": row["lang"],
        "name": pick(row["names"], row["lang"]),
        "names": row["names"],
        "descriptions": row["descriptions"],
        "from_name": row["from_name"],
        "from_address": row["from_address"],
        "reply_to": row["reply_to"],
        "thank_you_url": row["thank_you_url"],
        "colour": row["colour"],
        "logo_url": row["logo_url"],
        "confirmed": confirmed,
        "revision": row["revision"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def _address(f: Fields, name: str, *, required: bool) -> str | None:
    raw = f.text(name, required=required, max_length=254)
    if raw is None:
        return None
    try:
        return normalize_address(raw)
    except EmailNotValidError as exc:
        f.refused_address(name, exc)
        return None


def _thank_you(f: Fields) -> str | None:
    url = f.url("thank_you_url")
    if not url:
        return None
    if web_origin(origin_of(url)) is None:
        f.fail("thank_you_url", "must be an http:// or https:// URL")
        return None
    return ascii_url(url)


def _colour(f: Fields) -> str | None:
    """The newsletter's colour: `#rrggbb` (lower case kept), or none for the default."""
    raw = f.text("colour", max_length=7)
    if raw is None:
        return None
    if not COLOUR.fullmatch(raw):
        f.fail("colour", "must be a colour as #rrggbb, e.g. #0b4f8a")
        return None
    return raw.lower()


def _logo(f: Fields) -> str | None:
    """The newsletter's logo: an https URL of an image (mail clients load it), or none."""
    raw = f.text("logo_url", max_length=2000)
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in raw):
        f.fail("logo_url", "must be an https:// address of an image")
        return None
    return raw


def list_fields(
    body: Mapping[str, object], current: Mapping[str, object] | None = None
) -> ListFields:
    """A list's fields from JSON (over `current`'s), every bad one named; ValidationFailed."""
    stored = dict(current or {})
    if isinstance(stored.get("from_name"), str):
        # A sender's name stored before the one name rule: cleaned, never refused, so a change
        # to another field is not blocked by a character no one can see (and writes it clean).
        stored["from_name"] = person_name(str(stored["from_name"]))[0]
    data = {**stored, **body}
    f = Fields(data)
    f.unknown({*EDITABLE, "revision"})
    # A required field left out is named by f.done(); "" only stands in until then.
    fields: ListFields = {
        "slug": f.slug("slug", required=True) or "",
        "network": f.slug("network", required=True) or "",
        "lang": f.choice("lang", LANGUAGES, default="en") or "en",
        "names": f.texts("names", required=True, max_length=200),
        "descriptions": f.texts("descriptions", max_length=2000),
        # The From header's name, read in every inbox: a person's name, by the one name rule
        # (a bidi override there shows the sender's name reordered, a phisher's old trick).
        "from_name": f.name("from_name", required=True) or "",
        "from_address": _address(f, "from_address", required=True) or "",
        "reply_to": _address(f, "reply_to", required=False),
        # Kept with its host as browsers send it (an IDN's A-labels): the pasted forms' Origin
        # check and their redirect compare and carry that form.
        "thank_you_url": _thank_you(f),
        "colour": _colour(f),
        "logo_url": _logo(f),
    }
    f.done()
    return fields


async def list_row(request: web.Request, slug: str, *, counted: bool = False) -> asyncpg.Record:
    """The `get-list` row of list `slug` (`get-list-counted`, with `confirmed`, when `counted`);
    NotFound (404) when there is none."""
    query = request.app[QUERIES]["get-list-counted" if counted else "get-list"]
    async with request.app[POOL].acquire() as conn:
        row: asyncpg.Record | None = await conn.fetchrow(query, slug)
    if row is None:
        raise NotFound("No list %(slug)r.", values={"slug": slug})
    return row


async def managed_list(request: web.Request) -> tuple[Caller, asyncpg.Record]:
    """The caller and the path's list `{slug}`: 404 without it, 403 unless they manage its lists."""
    caller = await identify(request)
    row = await list_row(request, request.match_info["slug"])
    require(caller, "manage_lists", row["network"])
    return caller, row
