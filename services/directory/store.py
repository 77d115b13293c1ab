"""Writes to the directory, shared by the API, the importer and the demo loader."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.directory.validation import ContactIn, NetworkIn, OrganisationIn
from shared.conn import Conn
from shared.errors import Conflict, FieldError, NotFound, ValidationFailed
from shared.queries import Queries


def check_revision(current: int, expected: int | None) -> None:
    """409 when the client edited an older revision than the one stored."""
    if expected is not None and expected != current:
        raise Conflict(
            f"The record changed since you read it (you sent revision {expected}, "
            f"it is now {current}). Reload and apply your change again.",
            revision=current,
        )


async def network_ids(
    conn: Conn, q: Queries, slugs: list[str], field: str = "networks[{i}].network"
) -> dict[str, int]:
    """Ids of networks by slug; an unknown slug is a 422 on `field` (`{i}`: its index)."""
    rows = await conn.fetch(q["network-ids-by-slug"], slugs)
    found = {r["slug"]: r["id"] for r in rows}
    missing = [
        FieldError(field.format(i=i), f"no network {s!r}")
        for i, s in enumerate(slugs)
        if s not in found
    ]
    if missing:
        raise ValidationFailed(missing)
    return found


async def _organisation_id(conn: Conn, q: Queries, slug: str | None) -> int | None:
    if slug is None:
        return None
    found: int | None = await conn.fetchval(q["organisation-id"], slug)
    if found is None:
        raise ValidationFailed([FieldError("organisation", f"no organisation {slug!r}")])
    return found


async def _write_children(
    conn: Conn, q: Queries, contact_id: int, c: ContactIn, ids: dict[str, int]
) -> None:
    if c.phones:
        await conn.execute(
            q["insert-phones"],
            contact_id,
            list(range(len(c.phones))),
            [p.e164 for p in c.phones],
            [p.written for p in c.phones],
            [p.kind for p in c.phones],
        )
    if c.emails:
        await conn.execute(q["insert-emails"], contact_id, list(range(len(c.emails))), c.emails)
    if c.links:
        await conn.execute(
            q["insert-links"],
            contact_id,
            list(range(len(c.links))),
            [u for u, _ in c.links],
            [label for _, label in c.links],
        )
    if c.networks:
        await conn.execute(
            q["insert-memberships"],
            contact_id,
            [ids[s] for s, _ in c.networks],
            [r for _, r in c.networks],
        )


async def create_contact(conn: Conn, q: Queries, c: ContactIn, uid: str | None = None) -> int:
    """Insert a contact with its phones, e-mails, links and memberships (caller's transaction)."""
    ids = await network_ids(conn, q, [s for s, _ in c.networks])
    org = await _organisation_id(conn, q, c.organisation)
    contact_id: int = await conn.fetchval(
        q["insert-contact"],
        c.given_name,
        c.family_name,
        c.display_name,
        c.titles,
        org,
        c.position,
        c.published,
        uid,
    )
    await _write_children(conn, q, contact_id, c, ids)
    return contact_id


async def replace_contact(conn: Conn, q: Queries, contact_id: int, c: ContactIn) -> int:
    """Overwrite a locked contact and its children; returns the new revision."""
    ids = await network_ids(conn, q, [s for s, _ in c.networks])
    org = await _organisation_id(conn, q, c.organisation)
    revision: int = await conn.fetchval(
        q["update-contact"],
        contact_id,
        c.given_name,
        c.family_name,
        c.display_name,
        c.titles,
        org,
        c.position,
        c.published,
    )
    await conn.execute(q["clear-contact-children"], contact_id)
    await _write_children(conn, q, contact_id, c, ids)
    return revision


async def contact_as_input(conn: Conn, q: Queries, row: asyncpg.Record) -> dict[str, Any]:
    """A locked contact in the shape the API accepts, as the base of a PATCH."""
    children = await conn.fetchrow(q["contact-children"], row["id"])
    assert children is not None  # an aggregate always returns its one row
    return {
        "given_name": row["given_name"],
        "family_name": row["family_name"],
        "display_name": row["display_name"],
        "titles": row["titles"],
        "organisation": row["organisation"],
        "position": row["position"],
        "published": row["published"],
        "phones": children["phones"],
        "emails": children["emails"],
        "links": children["links"],
        "networks": children["networks"],
    }


async def _parent_id(conn: Conn, q: Queries, network: NetworkIn, own_id: int | None) -> int | None:
    if network.parent is None:
        return None
    parent_id = (await network_ids(conn, q, [network.parent], field="parent"))[network.parent]
    if own_id is not None:
        subtree: list[int] = await conn.fetchval(q["network-subtree"], own_id)
        if parent_id in subtree:
            raise ValidationFailed([FieldError("parent", "would make the hierarchy a loop")])
    return parent_id


async def create_network(conn: Conn, q: Queries, n: NetworkIn) -> int:
    """Insert a network."""
    parent = await _parent_id(conn, q, n, None)
    network_id: int = await conn.fetchval(
        q["insert-network"],
        n.slug,
        parent,
        n.names,
        n.default_lang,
        n.is_private,
        n.position,
        n.embed_origins,
    )
    return network_id


async def update_network(
    conn: Conn, q: Queries, slug: str, n: NetworkIn, revision: int | None
) -> int:
    """Overwrite a network; returns its new revision."""
    row = await conn.fetchrow(q["lock-network"], slug)
    if row is None:
        raise NotFound(f"No network {slug!r}.")
    check_revision(row["revision"], revision)
    parent = await _parent_id(conn, q, n, row["id"])
    new_revision: int = await conn.fetchval(
        q["update-network"],
        row["id"],
        n.slug,
        parent,
        n.names,
        n.default_lang,
        n.is_private,
        n.position,
        n.embed_origins,
    )
    return new_revision


async def create_organisation(conn: Conn, q: Queries, o: OrganisationIn) -> int:
    """Insert an organisation."""
    organisation_id: int = await conn.fetchval(
        q["insert-organisation"], o.slug, o.names, o.country, o.website
    )
    return organisation_id
