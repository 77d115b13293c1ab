"""Writes to the directory, shared by the API, the importer and the demo loader."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TypedDict

import asyncpg

from services.directory.phones import Phone, PhoneInput, phone_input
from services.directory.validation import (
    ContactIn,
    NetworkIn,
    OrganisationIn,
)
from shared.conn import Conn
from shared.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed
from shared.payloads import Link, Membership, Texts
from shared.queries import Queries


def check_revision(current: int, expected: int | None) -> None:
    """409 when the client edited an older revision than the one stored."""
    if expected is not None and expected != current:
        raise Conflict(
            "The record changed since you read it (you sent revision %(expected)s, it is now "
            "%(current)s). Reload and apply your change again.",
            revision=current,
            values={"expected": expected, "current": current},
        )


async def network_ids(
    conn: Conn, q: Queries, slugs: list[str], field: str = "networks[{i}].network"
) -> dict[str, int]:
    """Ids of networks by slug; an unknown slug is a 422 on `field` (`{i}`: its index)."""
    rows = await conn.fetch(q["network-ids-by-slug"], slugs)
    found = {r["slug"]: r["id"] for r in rows}
    missing = [
        FieldError(field.format(i=i), "no network %(s)r", {"s": s})
        for i, s in enumerate(slugs)
        if s not in found
    ]
    if missing:
        raise ValidationFailed(missing)
    return found


async def organisation_ids(conn: Conn, q: Queries, slugs: list[str | None]) -> dict[str, int]:
    """Ids of organisations by slug; an unknown slug is a 422 on `organisation`."""
    wanted = sorted({s for s in slugs if s is not None})
    if not wanted:
        return {}
    found = {r["slug"]: r["id"] for r in await conn.fetch(q["organisation-ids"], wanted)}
    missing = [s for s in wanted if s not in found]
    if missing:
        raise ValidationFailed(
            [FieldError("organisation", "no organisation %(missing)r", {"missing": missing[0]})]
        )
    return found


def _columns(
    keys: Sequence[object], contacts: list[ContactIn], organisations: Mapping[str, int]
) -> list[Sequence[object]]:
    """The arrays `insert-contacts` and `update-contacts` unnest, one element per contact."""
    return [
        keys,
        [c.given_name for c in contacts],
        [c.family_name for c in contacts],
        [c.display_name for c in contacts],
        [c.titles for c in contacts],
        [organisations[c.organisation] if c.organisation else None for c in contacts],
        [c.position for c in contacts],
        [c.published for c in contacts],
    ]


async def write_contacts(
    conn: Conn,
    q: Queries,
    new: list[tuple[str, ContactIn]],
    changed: list[tuple[int, ContactIn]],
    networks: Mapping[str, int],
    organisations: Mapping[str, int],
) -> tuple[list[int], dict[int, int]]:
    """Insert `new` (uid, contact), overwrite `changed` (id, contact), children included.

    One statement per table whatever the number of contacts, in the caller's transaction;
    `networks` and `organisations` map every slug the contacts name to its id. Returns the
    new contacts' ids in order and the changed contacts' new revisions.
    """
    created: list[int] = []
    revisions: dict[int, int] = {}
    if new:
        rows = await conn.fetch(
            q["insert-contacts"], *_columns([u for u, _ in new], [c for _, c in new], organisations)
        )
        by_uid = {str(r["uid"]): r["id"] for r in rows}
        created = [by_uid[u] for u, _ in new]
    if changed:
        ids = [i for i, _ in changed]
        rows = await conn.fetch(
            q["update-contacts"], *_columns(ids, [c for _, c in changed], organisations)
        )
        revisions = {r["id"]: r["revision"] for r in rows}
        await conn.execute(q["clear-contact-children"], ids)
    await _write_children(
        conn, q, [*zip(created, [c for _, c in new], strict=True), *changed], networks
    )
    return created, revisions


async def _write_children(
    conn: Conn, q: Queries, contacts: list[tuple[int, ContactIn]], networks: Mapping[str, int]
) -> None:
    phones = [(i, n, p) for i, c in contacts for n, p in enumerate(c.phones)]
    if phones:
        await conn.execute(
            q["insert-phones"],
            [i for i, _, _ in phones],
            [n for _, n, _ in phones],
            [p.e164 for _, _, p in phones],
            [p.written for _, _, p in phones],
            [p.kind for _, _, p in phones],
            [p.extension for _, _, p in phones],
        )
    emails = [(i, n, e) for i, c in contacts for n, e in enumerate(c.emails)]
    if emails:
        await conn.execute(
            q["insert-emails"],
            [i for i, _, _ in emails],
            [n for _, n, _ in emails],
            [e for _, _, e in emails],
        )
    links = [(i, n, link) for i, c in contacts for n, link in enumerate(c.links)]
    if links:
        await conn.execute(
            q["insert-links"],
            [i for i, _, _ in links],
            [n for _, n, _ in links],
            [url for _, _, (url, _) in links],
            [label for _, _, (_, label) in links],
        )
    members = [(i, s, r) for i, c in contacts for s, r in c.networks]
    if members:
        await conn.execute(
            q["insert-memberships"],
            [i for i, _, _ in members],
            [networks[s] for _, s, _ in members],
            [r for _, _, r in members],
        )


async def create_contact(conn: Conn, q: Queries, c: ContactIn, uid: str | None = None) -> int:
    """Insert one contact with its children (caller's transaction); its id."""
    networks = await network_ids(conn, q, [s for s, _ in c.networks])
    organisations = await organisation_ids(conn, q, [c.organisation])
    created, _ = await write_contacts(
        conn, q, [(uid or str(uuid.uuid4()), c)], [], networks, organisations
    )
    return created[0]


async def replace_contact(conn: Conn, q: Queries, contact_id: int, c: ContactIn) -> int:
    """Overwrite one locked contact and its children; returns the new revision."""
    networks = await network_ids(conn, q, [s for s, _ in c.networks])
    organisations = await organisation_ids(conn, q, [c.organisation])
    _, revisions = await write_contacts(conn, q, [], [(contact_id, c)], networks, organisations)
    return revisions[contact_id]


class StoredContact(TypedDict):
    """A stored contact in the shape the API accepts (`lock-contacts`)."""

    given_name: str
    family_name: str
    display_name: str
    titles: Texts
    position: int
    published: bool
    organisation: str | None
    phones: list[PhoneInput]
    links: list[Link]
    networks: list[Membership]
    emails: list[str]


async def contacts_as_input(conn: Conn, q: Queries, ids: list[int]) -> dict[int, StoredContact]:
    """Contacts locked for a change, in the shape the API accepts: what a change starts from."""
    found: dict[int, StoredContact] = {}
    for row in await conn.fetch(q["lock-contacts"], ids):
        found[row["id"]] = {
            "given_name": row["given_name"],
            "family_name": row["family_name"],
            "display_name": row["display_name"],
            "titles": row["titles"],
            "position": row["position"],
            "published": row["published"],
            "organisation": row["organisation"],
            "phones": [phone_input(p) for p in row["phones"]],
            "links": row["links"],
            "networks": row["networks"],
            "emails": row["emails"],
        }
    return found


async def contact_as_input(conn: Conn, q: Queries, row: asyncpg.Record) -> StoredContact:
    """One locked contact as the base of a PATCH."""
    return (await contacts_as_input(conn, q, [row["id"]]))[row["id"]]


async def region_of(conn: Conn, q: Queries, slugs: list[str]) -> str | None:
    """The country of the first of these networks that has one (its own or inherited)."""
    if not slugs:
        return None
    found = {r["slug"]: r["country"] for r in await conn.fetch(q["network-countries"], slugs)}
    return next((found[s] for s in slugs if s in found), None)


def stored_phones(phones: Sequence[PhoneInput]) -> dict[str, Phone]:
    """A contact's stored phones by their written form (what a form sends back unchanged)."""
    return {p["number"]: Phone(p["e164"], p["number"], p["kind"], p["extension"]) for p in phones}


async def _parent_id(conn: Conn, q: Queries, network: NetworkIn, own_id: int | None) -> int | None:
    if network.parent is None:
        return None
    parent_id = (await network_ids(conn, q, [network.parent], field="parent"))[network.parent]
    if own_id is not None:
        subtree: list[int] = await conn.fetchval(q["network-subtree"], own_id)
        if parent_id in subtree:
            raise ValidationFailed([FieldError("parent", "would make the hierarchy a loop")])
    return parent_id


async def delete_unused(
    conn: Conn,
    q: Queries,
    queries: tuple[str, str],
    slug: str,
    revision: int | None,
    *,
    missing: DomainError,
    in_use: DomainError,
) -> None:
    """Delete a network or an organisation by slug: `queries` lock and delete it.

    Checks `revision` under the lock (409 when stale); raises `missing` when there is none
    and `in_use` while rows still refer to it (the foreign keys say so).
    """
    lock, delete = queries
    row = await conn.fetchrow(q[lock], slug)
    if row is None:
        raise missing
    check_revision(row["revision"], revision)
    try:
        await conn.execute(q[delete], row["id"])
    except (asyncpg.ForeignKeyViolationError, asyncpg.RestrictViolationError) as exc:
        raise in_use from exc


async def create_network(conn: Conn, q: Queries, n: NetworkIn) -> int:
    """Insert a network."""
    parent = await _parent_id(conn, q, n, None)
    network_id: int = await conn.fetchval(q["insert-network"], *_network_fields(n, parent))
    return network_id


async def update_network(
    conn: Conn, q: Queries, slug: str, n: NetworkIn, revision: int | None
) -> int:
    """Overwrite a network; returns its new revision."""
    row = await conn.fetchrow(q["lock-network"], slug)
    if row is None:
        raise NotFound("No network %(slug)r.", values={"slug": slug})
    check_revision(row["revision"], revision)
    parent = await _parent_id(conn, q, n, row["id"])
    new_revision: int = await conn.fetchval(
        q["update-network"], row["id"], *_network_fields(n, parent)
    )
    return new_revision


def _network_fields(n: NetworkIn, parent: int | None) -> tuple[object, ...]:
    """A network's columns in the order `insert-network` and `update-network` take them."""
    return (
        n.slug,
        parent,
        n.names,
        n.default_lang,
        n.is_private,
        n.position,
        n.embed_origins,
        n.country,
    )


async def create_organisation(conn: Conn, q: Queries, o: OrganisationIn) -> int:
    """Insert an organisation."""
    organisation_id: int = await conn.fetchval(
        q["insert-organisation"], o.slug, o.names, o.country, o.website
    )
    return organisation_id


async def update_organisation(
    conn: Conn, q: Queries, organisation_id: int, o: OrganisationIn
) -> None:
    """Overwrite an organisation's fields (its revision goes up)."""
    await conn.fetchval(
        q["update-organisation"], organisation_id, o.slug, o.names, o.country, o.website
    )


# How long a deleted contact can be restored (the console's undo), in seconds.
RESTORE_SECONDS = 15 * 60
