"""JSON shapes of networks, organisations and contacts, in the caller's language."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.directory.visibility import Sight
from shared.i18n import pick
from shared.payloads import Contact, Network, Organisation, Workplace


def _ts(value: datetime) -> str:
    return value.isoformat()


def network_json(row: asyncpg.Record, lang: str | None = None) -> Network:
    """A network, with its name in `lang` (falling back to its default, then English)."""
    return {
        "slug": row["slug"],
        "parent": row["parent"],
        "name": pick(row["names"], lang or row["default_lang"], row["default_lang"]),
        "names": row["names"],
        "default_lang": row["default_lang"],
        "is_private": row["is_private"],
        "position": row["position"],
        "embed_origins": row["embed_origins"],
        "country": row["country"],
        "revision": row["revision"],
        "created_at": _ts(row["created_at"]),
        "updated_at": _ts(row["updated_at"]),
    }


def organisation_json(row: asyncpg.Record, lang: str = "en") -> Organisation:
    """An organisation, with its name in `lang`."""
    return {
        "slug": row["slug"],
        "name": pick(row["names"], lang),
        "names": row["names"],
        "country": row["country"],
        "website": row["website"],
        "revision": row["revision"],
        "created_at": _ts(row["created_at"]),
        "updated_at": _ts(row["updated_at"]),
    }


def contact_json(
    row: asyncpg.Record, lang: str, default_lang: str, emails: list[str] | None = None
) -> Contact:
    """A contact card; `emails` only for a caller entitled to them."""
    organisation: Workplace | None = None
    if row["org_slug"] is not None:
        organisation = {
            "slug": row["org_slug"],
            "name": pick(row["org_names"], lang, default_lang),
            "names": row["org_names"],
            "country": row["org_country"],
            "website": row["org_website"],
        }
    card: Contact = {
        "id": row["id"],
        "uid": str(row["uid"]),
        "given_name": row["given_name"],
        "family_name": row["family_name"],
        "display_name": row["display_name"],
        "title": pick(row["titles"], lang, default_lang),
        "titles": row["titles"],
        "organisation": organisation,
        "phones": row["phones"],
        "links": row["links"],
        "networks": row["networks"],
        "has_email": row["has_email"],
        "position": row["position"],
        "published": row["published"],
        "revision": row["revision"],
        "created_at": _ts(row["created_at"]),
        "updated_at": _ts(row["updated_at"]),
    }
    if emails is not None:
        card["emails"] = emails
    return card


def shown_network(row: asyncpg.Record, sight: Sight, lang: str | None = None) -> Network:
    """A network as the caller may see it: a parent it does not see is left out."""
    body = network_json(row, lang)
    if body["parent"] is not None and body["parent"] not in sight.slugs:
        body["parent"] = None
    return body


def shown(
    row: asyncpg.Record, sight: Sight, lang: str, default: str, emails: list[str] | None
) -> Contact:
    """A contact as the caller may see it: the networks it sees, addresses if entitled."""
    body = contact_json(row, lang, default, emails)
    body["networks"] = sight.memberships(row["networks"])
    return body
