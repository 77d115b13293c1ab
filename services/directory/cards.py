"""Contact cards as the widgets show them: localised, with signed tokens instead of addresses."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode

import asyncpg
from aiohttp import web

from services.directory.keys import FRESHNESS, POOL, QUERIES, RENDERINGS, SETTINGS
from services.directory.phones import dialable
from services.directory.reading import requested_lang
from services.directory.scope import resolve_scope
from services.directory.texts import script_texts
from services.directory.visibility import sight_of
from shared.conn import Conn
from shared.http import origin_of
from shared.i18n import pick
from shared.payloads import Lang, Widget, WidgetCard
from shared.settings import Settings
from shared.signing import Keys

# How long a rendered page may wait for a person to click "show".
RENDER_TTL = 3600
# Render tokens are the same for every view within this many seconds, so a widget's whole
# answer can be cached; a harvester gains nothing (tokens are in every page anyway, and each
# reveal is counted against the client's own budget).
TOKEN_BUCKET = 600
REVEAL_TTL = 300
MAX_CARDS = 500


@dataclass(frozen=True, slots=True)
class Rendering:
    """What one widget shows: the network, the language, the cards and the labels."""

    network: asyncpg.Record
    target: asyncpg.Record
    lang: Lang
    cards: list[WidgetCard]
    origins: list[str]
    vcf_url: str

    @property
    def labels(self) -> dict[str, str]:
        """The widget script's texts in the rendering's language."""
        return script_texts(self.lang)

    def as_json(self) -> Widget:
        """For widget.js."""
        return {
            "network": self.network["slug"],
            "member": self.target["slug"] if self.target["id"] != self.network["id"] else None,
            "title": pick(self.target["names"], self.lang, self.target["default_lang"]),
            "lang": self.lang,
            "labels": self.labels,
            "cards": self.cards,
            "vcf_url": self.vcf_url,
        }


def render_token(settings: Settings, contact_id: int, bucket: int) -> str:
    """Proof that a page showed this contact lately: the only thing a reveal accepts."""
    expires = (bucket + 1) * TOKEN_BUCKET + RENDER_TTL
    return Keys.of(settings).sign_until("render", {"c": contact_id, "r": bucket}, expires)


def token_bucket() -> int:
    """The current render-token period."""
    return int(time.time()) // TOKEN_BUCKET


def reveal_token(settings: Settings, contact_id: int) -> str:
    """Proof that a person passed the reveal check for this contact, for a vCard with e-mail."""
    return Keys.of(settings).sign("reveal", {"c": contact_id}, REVEAL_TTL)


async def _load(conn: Conn, request: web.Request) -> Rendering:
    q, settings = request.app[QUERIES], request.app[SETTINGS]
    # Widgets are anonymous: whoever embeds them, every visitor sees the same cards.
    sight = await sight_of(conn, q, None)
    network, target, scope = await resolve_scope(
        conn,
        q,
        request.match_info["network"],
        request.query.get("member") or None,
        sight,
    )
    chosen: Lang = requested_lang(request) or target["default_lang"]
    rows = await conn.fetch(q["list-contacts"], scope, None, -(2**31), 0, MAX_CARDS, False, None)
    origins = list(await conn.fetchval(q["network-origins"], [target["id"]]))
    # The console's embed builder shows every network's widget live.
    origins.append(origin_of(settings.public_console_base))
    bucket = token_bucket()
    cards = [_card(settings, r, chosen, target["default_lang"], bucket) for r in rows]
    # The whole view as one file for an address book (the vcard service's public bulk form).
    scope_query = {"lang": chosen} | (
        {"member": target["slug"]} if target["id"] != network["id"] else {}
    )
    vcf_url = (
        f"{settings.public_vcard_base}/v1/networks/{network['slug']}.vcf?{urlencode(scope_query)}"
    )
    return Rendering(network, target, chosen, cards, origins, vcf_url)


def cache_key(request: web.Request) -> str | None:
    """What determines a widget's answer now; None while the data version is unconfirmed."""
    known = request.app[FRESHNESS].current()
    if known is None:
        return None
    return "\x1f".join(
        [str(known), str(token_bucket()), request.match_info["network"],
         *request.query.getall("member", []), "|", *request.query.getall("lang", [])]
    )  # fmt: skip


async def render(request: web.Request, key: str | None) -> Rendering:
    """Cards for `{network}` (or `?member=`) in `?lang=`, as the widgets show them."""
    # Widgets are the busiest public pages: while the data version is known, they come
    # from memory.
    cached: Rendering | None = request.app[RENDERINGS].get(key) if key is not None else None
    if cached is not None:
        return cached
    async with request.app[POOL].acquire() as conn:
        rendering = await _load(conn, request)
    if key is not None:
        request.app[RENDERINGS].put(key, rendering)
    return rendering


def _card(
    settings: Settings, row: asyncpg.Record, lang: str, default: str, bucket: int
) -> WidgetCard:
    contact_id = row["id"]
    card: WidgetCard = {
        "id": contact_id,
        "name": row["display_name"],
        "title": pick(row["titles"], lang, default),
        "organisation": pick(row["org_names"], lang, default) if row["org_names"] else None,
        "organisation_url": row["org_website"],
        "phones": [{"tel": dialable(p), "text": p["written"]} for p in row["phones"]],
        "links": [
            {"url": link["url"], "text": link["label"] or link["url"]} for link in row["links"]
        ],
        "has_email": row["has_email"],
        "vcard_url": f"{settings.public_vcard_base}/v1/contacts/{contact_id}.vcf?lang={lang}",
        "qr_url": f"{settings.public_vcard_base}/v1/contacts/{contact_id}/qr.svg?lang={lang}",
    }
    if row["has_email"]:
        token = render_token(settings, contact_id, bucket)
        card["token"] = token
        query = urlencode({"t": token, "lang": lang})
        card["reveal_url"] = f"{settings.public_directory_base}/reveal/{contact_id}?{query}"
    return card
