"""Every route of every service, called as each kind of caller; the OpenAPI documents list them.

Each operation declares its access (`x-permission`); mutations get a recipe that works for an
allowed caller, reads are called on the objects a world made once. A read token (a phone's
CardDAV password) gets past only the address-book reads; on public routes it is nobody.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.vcard.app import create_app as create_vcard
from shared.web import load_openapi
from tests.conftest import SERVICE_TOKEN, MakeAccount
from tests.support.api import Api, Reply
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import EE_LIST
from tests.support.openapi import OpenApi

pytestmark = pytest.mark.usefixtures("demo")

MUTATING = {"post", "put", "patch", "delete"}
METHODS = MUTATING | {"get", "options"}
CALLERS = [
    "anonymous",
    "expired",
    "revoked",
    "read token",
    "other network",
    "allowed coordinator",
    "admin",
]
# Who may do what, by the operation's `x-permission` in its OpenAPI document.
SUCCEEDS = {
    "admin": {"admin"},
    "edit_contacts": {"allowed coordinator", "admin"},
    "manage_lists": {"allowed coordinator", "admin"},
    "send_campaigns": {"allowed coordinator", "admin"},
    # The account's own coordinator (the allowed one here), or an admin.
    "owner": {"allowed coordinator", "admin"},
    # Organisations belong to no network: anyone who edits contacts somewhere may add one.
    "any_editor": {"other network", "allowed coordinator", "admin"},
    # Any person's API token.
    "account": {"other network", "allowed coordinator", "admin"},
    # Only the service credential: no person's token, not even an admin's.
    "service": set(),
    # Anyone; a working token (a read token too) may see more, one that does not work is a 401.
    "address_book": {"anonymous", "read token", "other network", "allowed coordinator", "admin"},
}
ALL = ("edit_contacts", "manage_lists", "send_campaigns")
SERVICES = ("directory", "mailing", "vcard")
# Routes the matrix calls without checking a door: anyone, credential or not.
UNGUARDED = {"public", "address_book"}
# The address-book reads, the only operations a read token gets past (pinned here, so that a
# route cannot become readable by phones by changing its declaration alone).
ADDRESS_BOOK_READS = {
    "directory": {
        "GET /v1/networks",
        "GET /v1/networks/{slug}",
        "GET /v1/networks/{slug}/contacts",
        "GET /v1/organisations",
        "GET /v1/organisations/{slug}",
        "GET /v1/contacts/{id}",
        # What changed in an address book, as the phone whose read token the vcard passes on
        # may see it.
        "GET /v1/sync",
    },
    "vcard": {
        "GET /v1/contacts/{id}.vcf",
        "GET /v1/contacts/{id}/qr.svg",
        "GET /v1/contacts/{id}/qr.png",
        "GET /v1/networks/{slug}.vcf",
        "GET /v1/networks/{slug}.zip",
        "PROPFIND /",
        "PROPFIND /dav",
        "PROPFIND /dav/",
        "PROPFIND /dav/principal",
        "PROPFIND /dav/principal/",
        "PROPFIND /dav/addressbooks",
        "PROPFIND /dav/addressbooks/",
        "PROPFIND /dav/addressbooks/{slug}",
        "PROPFIND /dav/addressbooks/{slug}/",
        "PROPFIND /dav/addressbooks/{slug}/{item}",
    },
}
# Listings answer anyone with the right kind of token, with what is theirs (maybe nothing).
LISTINGS = {"GET /v1/lists"}
_serial = itertools.count(1)


def unique(prefix: str) -> str:
    """A slug or address no other call used."""
    return f"{prefix}{next(_serial)}"


@dataclass
class Call:
    """One request: where, and what it sends."""

    method: str
    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    """The running services, an admin to prepare things, and the allowed coordinator's account."""

    mailing: Mailing
    admin: str
    allowed_account: int
    made_for_reads: dict[str, str] = field(default_factory=dict)

    @property
    def directory(self) -> Api:
        """The directory, as the admin."""
        return self.mailing.directory.as_(self.admin)

    @property
    def lists(self) -> Api:
        """The mailing service, as the admin."""
        return self.mailing.api.as_(self.admin)

    async def made(self, api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST as the admin, which must work."""
        reply = await api.post(path, json=body)
        assert reply.status == 201, (path, reply.status, reply.text)
        created: dict[str, Any] = reply.json
        return created

    async def network(self) -> str:
        slug = unique("net")
        await self.made(self.directory, "/v1/networks", {"slug": slug, "names": {"en": slug}})
        return slug

    async def organisation(self) -> str:
        slug = unique("org")
        body = {"slug": slug, "names": {"et": "Asutus"}, "country": "EE"}
        await self.made(self.directory, "/v1/organisations", body)
        return slug

    async def contact(self) -> int:
        body = {"given_name": "Žydrūnė", "family_name": "Jõemets", "networks": ["ee"]}
        return int((await self.made(self.directory, "/v1/contacts", body))["id"])

    async def account(self) -> int:
        body = {"email": unique("person") + "@example.ee", "name": "Mežecka"}
        return int((await self.made(self.directory, "/v1/accounts", body))["id"])

    async def token_of_allowed(self) -> int:
        path = f"/v1/accounts/{self.allowed_account}/tokens"
        return int((await self.made(self.directory, path, {"name": "spare"}))["id"])

    async def reads(self) -> dict[str, str]:
        """Objects made once for the reads: ee's contact, lists, campaign, member; a suppression."""
        if not self.made_for_reads:
            contact = await self.made(
                self.directory,
                "/v1/contacts",
                {
                    "given_name": "Ieva",
                    "family_name": "Mežecka",
                    "networks": ["ee"],
                    "emails": ["ieva@example.ee"],
                },
            )
            organisation = await self.organisation()
            list_slug = await self.list_()
            path = f"/v1/lists/{list_slug}/campaigns"
            campaign = await self.made(self.lists, path, {"subject": "S", "body": "B"})
            member_list, member = await self.member("bounced")
            self.made_for_reads.update(
                member_list=member_list,
                member=str(member),
                suppressed=await self.suppressed(),
                organisation=organisation,
                contact=str(contact["id"]),
                uid=str(contact["uid"]),
                list=list_slug,
                campaign=str(campaign["id"]),
            )
        return self.made_for_reads

    async def list_(self) -> str:
        slug = unique("uudised")
        await self.made(self.lists, "/v1/lists", EE_LIST | {"slug": slug})
        return slug

    async def member(self, status: str) -> tuple[str, int]:
        """A new list with one member in `status` (imported by the admin); (list, member id)."""
        slug = await self.list_()
        body = f"email,status\r\n{unique('lugeja')}@example.ee,{status}\r\n".encode()
        reply = await self.lists.post(
            f"/v1/lists/{slug}/import?consent=paper+form",
            data=body,
            headers={"Content-Type": "text/csv"},
        )
        assert reply.json["created"] == 1, reply.text
        items = (await self.lists.get(f"/v1/lists/{slug}/members")).json["items"]
        return slug, int(items[0]["id"])

    async def suppressed(self) -> str:
        address = unique("tagasi") + "@example.ee"
        reply = await self.lists.post("/v1/suppressions", json={"address": address})
        assert reply.status == 201, reply.text
        return address

    async def campaign(self, then: tuple[str, ...] = ()) -> int:
        path = f"/v1/lists/{await self.list_()}/campaigns"
        campaign = int((await self.made(self.lists, path, {"subject": "S", "body": "B"}))["id"])
        for step in then:
            body = {"at": "2099-01-01T09:00:00+02:00"} if step == "send" else None
            reply = await self.lists.post(f"/v1/campaigns/{campaign}/{step}", json=body)
            assert reply.status in (200, 202), reply.text
        return campaign


Recipe = Callable[[World], Awaitable[Call]]


async def _network_patch(w: World) -> Call:
    return Call("PATCH", f"/v1/networks/{await w.network()}", {"json": {"names": {"en": "X"}}})


async def _network_delete(w: World) -> Call:
    return Call("DELETE", f"/v1/networks/{await w.network()}")


async def _org_patch(w: World) -> Call:
    path = f"/v1/organisations/{await w.organisation()}"
    return Call("PATCH", path, {"json": {"website": "https://example.ee"}})


async def _org_delete(w: World) -> Call:
    return Call("DELETE", f"/v1/organisations/{await w.organisation()}")


async def _contact_patch(w: World) -> Call:
    return Call("PATCH", f"/v1/contacts/{await w.contact()}", {"json": {"given_name": "Ieva"}})


async def _contact_delete(w: World) -> Call:
    return Call("DELETE", f"/v1/contacts/{await w.contact()}")


async def _contact_restore(w: World) -> Call:
    contact = await w.contact()
    assert (await w.directory.delete(f"/v1/contacts/{contact}")).status == 204
    return Call("POST", f"/v1/contacts/{contact}/restore")


async def _order_put(w: World) -> Call:
    read = (await w.directory.get("/v1/networks/ee/order")).json
    return Call("PUT", "/v1/networks/ee/order", {"json": read})


async def _account_patch(w: World) -> Call:
    return Call("PATCH", f"/v1/accounts/{await w.account()}", {"json": {"name": "Kisevičienė"}})


async def _token_revoke(w: World) -> Call:
    return Call("DELETE", f"/v1/tokens/{await w.token_of_allowed()}")


async def _list_patch(w: World) -> Call:
    return Call("PATCH", f"/v1/lists/{await w.list_()}", {"json": {"from_name": "Madis"}})


async def _list_campaign(w: World) -> Call:
    body = {"subject": "Uudised", "body": "Tere!"}
    return Call("POST", f"/v1/lists/{await w.list_()}/campaigns", {"json": body})


async def _list_import(w: World) -> Call:
    body = "email,name\r\nlugeja@example.ee,Jõemets\r\n".encode()
    headers = {"Content-Type": "text/csv"}
    path = f"/v1/lists/{await w.list_()}/import?consent=signed+up+on+paper"
    return Call("POST", path, {"data": body, "headers": headers})


def _member_action(action: str, status: str) -> Recipe:
    async def recipe(w: World) -> Call:
        slug, member = await w.member(status)
        body = {"reason": "asked by telephone"}
        return Call("POST", f"/v1/lists/{slug}/members/{member}/{action}", {"json": body})

    return recipe


async def _reinstate_address(w: World) -> Call:
    path = f"/v1/suppressions/{await w.suppressed()}/reinstate"
    return Call("POST", path, {"json": {"note": "the mailbox works again"}})


async def _campaign_patch(w: World) -> Call:
    return Call("PATCH", f"/v1/campaigns/{await w.campaign()}", {"json": {"subject": "Uus"}})


async def _campaign_test(w: World) -> Call:
    body = {"addresses": ["proov@example.ee"]}
    return Call("POST", f"/v1/campaigns/{await w.campaign()}/test", {"json": body})


def _campaign_move(action: str, then: tuple[str, ...]) -> Recipe:
    async def recipe(w: World) -> Call:
        campaign = await w.campaign(then)
        body = {"at": "2099-01-01T09:00:00+02:00"} if action == "send" else None
        return Call("POST", f"/v1/campaigns/{campaign}/{action}", {"json": body})

    return recipe


async def _resend(w: World) -> Call:
    """A paused campaign with one failed delivery (written as the worker would record it)."""
    campaign = await w.campaign(("send", "pause"))
    conn = await asyncpg.connect(w.mailing.settings.database_url)
    try:
        subscriber = await conn.fetchval(
            "INSERT INTO mailing.subscribers (email) VALUES ($1) RETURNING id",
            f"{unique('failed')}@example.ee",
        )
        await conn.execute(
            "INSERT INTO mailing.deliveries (campaign_id, subscriber_id, status, attempts,"
            " last_error) VALUES ($1, $2, 'failed', 1, '552 5.2.2 Mailbox full (at RCPT)')",
            campaign,
            subscriber,
        )
    finally:
        await conn.close()
    return Call("POST", f"/v1/campaigns/{campaign}/resend")


def _fixed(method: str, path: str, **kwargs: Any) -> Recipe:
    async def recipe(_: World) -> Call:
        return Call(method, path, kwargs)

    return recipe


def _unique_body(method: str, path: str, make: Callable[[], dict[str, Any]]) -> Recipe:
    async def recipe(_: World) -> Call:
        return Call(method, path, {"json": make()})

    return recipe


async def _own_token(w: World) -> Call:
    return Call("POST", f"/v1/accounts/{w.allowed_account}/tokens", {"json": {"name": "phone"}})


VCF = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ieva Mežecka\r\nN:Mežecka;Ieva;;;\r\nEND:VCARD\r\n"

# A request that works for an allowed caller, per operation ("METHOD path" as documented).
RECIPES: dict[str, dict[str, Recipe]] = {
    "directory": {
        "POST /v1/networks": _unique_body(
            "POST", "/v1/networks", lambda: {"slug": unique("new"), "names": {"en": "New"}}
        ),
        "PATCH /v1/networks/{slug}": _network_patch,
        "DELETE /v1/networks/{slug}": _network_delete,
        "POST /v1/organisations": _unique_body(
            "POST",
            "/v1/organisations",
            lambda: {"slug": unique("o"), "names": {"lv": "Iestāde"}, "country": "LV"},
        ),
        "PATCH /v1/organisations/{slug}": _org_patch,
        "DELETE /v1/organisations/{slug}": _org_delete,
        "POST /v1/contacts": _fixed(
            "POST", "/v1/contacts", json={"family_name": "Kisevičienė", "networks": ["ee"]}
        ),
        "PATCH /v1/contacts/{id}": _contact_patch,
        "DELETE /v1/contacts/{id}": _contact_delete,
        "PUT /v1/networks/{slug}/order": _order_put,
        "POST /v1/contacts/{id}/restore": _contact_restore,
        "POST /v1/accounts": _unique_body(
            "POST", "/v1/accounts", lambda: {"email": unique("new") + "@example.ee"}
        ),
        "PATCH /v1/accounts/{id}": _account_patch,
        "POST /v1/accounts/{id}/tokens": _own_token,
        "DELETE /v1/tokens/{id}": _token_revoke,
        "POST /v1/introspect": _fixed("POST", "/v1/introspect", data={"token": "x" * 40}),
        "POST /v1/reveal/redeem": _fixed(
            "POST", "/v1/reveal/redeem", json={"token": "x.y", "client": "203.0.113.1"}
        ),
        "POST /v1/signin-links": _fixed(
            "POST", "/v1/signin-links", json={"email": "madis.kanarbik@example.ee"}
        ),
        "POST /v1/signin-links/redeem": _fixed(
            "POST", "/v1/signin-links/redeem", json={"code": "not-a-code"}
        ),
        "POST /v1/contacts/import": _fixed(
            "POST",
            "/v1/contacts/import?network=ee&lang=lv",
            data=VCF.encode(),
            headers={"Content-Type": "text/vcard"},
        ),
    },
    "mailing": {
        "POST /v1/lists": _unique_body(
            "POST", "/v1/lists", lambda: EE_LIST | {"slug": unique("list")}
        ),
        "PATCH /v1/lists/{slug}": _list_patch,
        "POST /v1/lists/{slug}/campaigns": _list_campaign,
        "PATCH /v1/campaigns/{id}": _campaign_patch,
        "POST /v1/campaigns/{id}/test": _campaign_test,
        "POST /v1/campaigns/{id}/send": _campaign_move("send", ()),
        "POST /v1/campaigns/{id}/pause": _campaign_move("pause", ("send",)),
        "POST /v1/campaigns/{id}/resume": _campaign_move("resume", ("send", "pause")),
        "POST /v1/campaigns/{id}/resend": _resend,
        "POST /v1/campaigns/{id}/cancel": _campaign_move("cancel", ("send",)),
        "POST /v1/lists/{slug}/import": _list_import,
        "POST /v1/lists/{slug}/members/{id}/unsubscribe": _member_action(
            "unsubscribe", "confirmed"
        ),
        "POST /v1/lists/{slug}/members/{id}/remove": _member_action("remove", "confirmed"),
        "POST /v1/lists/{slug}/members/{id}/block": _member_action("block", "confirmed"),
        "POST /v1/lists/{slug}/members/{id}/reinstate": _member_action("reinstate", "bounced"),
        "POST /v1/suppressions": _unique_body(
            "POST", "/v1/suppressions", lambda: {"address": unique("kinni") + "@example.lt"}
        ),
        "POST /v1/suppressions/import": _fixed(
            "POST",
            "/v1/suppressions/import?note=old+provider",
            data="e-pasts;vārds\r\nvecs@example.lv;Mežecka\r\n".encode(),
            headers={"Content-Type": "text/csv"},
        ),
        "POST /v1/suppressions/{address}/reinstate": _reinstate_address,
        "POST /v1/inbound": _fixed(
            "POST",
            "/v1/inbound?to=bounces%2Bx@example.ee",
            data=b"From: a@example.ee\r\n\r\nx",
            headers={"Content-Type": "message/rfc822"},
        ),
    },
}


# Path parameters of the reads, from the world's objects ("METHOD path" overrides a service's).
async def read_values(w: World, service: str, key: str) -> dict[str, str]:
    """Values for a read's path parameters: objects of the allowed coordinator's network."""
    if key.endswith("/v1/accounts/{id}") or key.endswith("/v1/accounts/{id}/tokens"):
        return {"id": str(w.allowed_account)}
    if key.endswith("/v1/organisations/{slug}"):
        return {"slug": (await w.reads())["organisation"]}
    if key.endswith("/v1/lists/{slug}/members/{id}"):
        reads = await w.reads()
        return {"slug": reads["member_list"], "id": reads["member"]}
    if service == "mailing":
        reads = await w.reads()
        return {
            "slug": reads["list"],
            "id": reads["campaign"],
            "token": "not-a-token",
            "address": reads["suppressed"],
            "key": "not-a-key",
        }
    reads = await w.reads()
    return {
        "slug": "ee",
        "network": "for-in",
        "id": reads["contact"],
        "item": f"{reads['uid']}.vcf",
        "token": "not-a-token",
        "stem": "widget",
        "digest": "0" * 12,
        "ext": "js",
    }


def documented(service: str) -> dict[str, str]:
    """Every operation of a service's document ("METHOD path") with its `x-permission`.

    A path that declares its access for every method (CardDAV's, whose methods OpenAPI cannot
    name) is called with PROPFIND, what clients send first.
    """
    document = load_openapi(__import__(f"services.{service}.paths", fromlist=["OPENAPI"]).OPENAPI)
    found = {}
    for path, operations in document["paths"].items():
        if "x-permission" in operations:
            method = "GET" if path.startswith("/.well-known/") else "PROPFIND"
            found[f"{method} {path}"] = operations["x-permission"]
        for method, operation in operations.items():
            if method in METHODS:
                key = f"{method.upper()} {path}"
                assert "x-permission" in operation, f"{service} {key} declares no x-permission"
                found[key] = operation["x-permission"]
    return found


def test_every_operation_is_in_the_matrix() -> None:
    """A new endpoint cannot escape: it needs an x-permission, and a recipe if it changes things."""
    for service in SERVICES:
        declared = documented(service)
        guarded = {k for k, v in declared.items() if v not in UNGUARDED and k.split()[0] != "GET"}
        assert guarded == set(RECIPES.get(service, {})), service
        assert set(declared.values()) <= {*SUCCEEDS, *UNGUARDED}
        readable = {k for k, v in declared.items() if v == "address_book"}
        assert readable == ADDRESS_BOOK_READS.get(service, set()), service


async def callers(
    make_account: MakeAccount, conn: asyncpg.Connection, mailing: Mailing
) -> tuple[dict[str, str | None], int]:
    """A token per kind of caller, and the allowed coordinator's account."""
    _, expired = await make_account("expired@example.ee", permissions={"ee": ALL})
    await conn.execute(
        "UPDATE tokens SET expires_at = now() - interval '1 minute' "
        "WHERE account_id = (SELECT id FROM accounts WHERE email = 'expired@example.ee')"
    )
    revoked_account, revoked = await make_account("revoked@example.ee", permissions={"ee": ALL})
    _, admin = await make_account("admin@example.ee", admin=True)
    listed = await mailing.directory.as_(admin).get(f"/v1/accounts/{revoked_account}/tokens")
    token_id = listed.json["items"][0]["id"]
    assert (await mailing.directory.as_(admin).delete(f"/v1/tokens/{token_id}")).status == 204
    _, other = await make_account("lv@example.lv", permissions={"lv": ALL})
    allowed_account, allowed = await make_account("ee@example.ee", permissions={"ee": ALL})
    # The allowed coordinator's own phone: every permission on ee, and still only reads.
    _, read = await make_account("ee@example.ee", kind="read")
    tokens: dict[str, str | None] = {
        "anonymous": None,
        "expired": expired,
        "revoked": revoked,
        "read token": read,
        "other network": other,
        "allowed coordinator": allowed,
        "admin": admin,
    }
    return tokens, allowed_account


async def send(api: Api, call: Call) -> Reply:
    """Make the call through the service's Api wrapper (responses checked against the doc)."""
    kwargs = dict(call.kwargs)
    if kwargs.get("json", ...) is None:
        del kwargs["json"]
    return await api.request(call.method, call.path, **kwargs)


def admitted(key: str, permission: str, caller: str, status: int) -> bool:
    """Whether `status` is right for `caller` on an operation that declares `permission`."""
    if caller in SUCCEEDS[permission] or (caller == "other network" and key in LISTINGS):
        return 200 <= status < 300
    if caller in ("anonymous", "expired", "revoked"):
        return status == 401
    if permission == "service":
        # A person's token is not the service credential, whoever holds it.
        return status in (401, 403)
    if caller == "read token":
        # A read token is refused at the door, whatever the network.
        return status == 403
    # Another network's things are forbidden, or not even shown to exist.
    return status in (403, 404)


async def reading(w: World, service: str, key: str) -> Call:
    """A read of the world's objects: GET, or PROPFIND for a CardDAV path."""
    method, template = key.split(" ", 1)
    path = template.format(**await read_values(w, service, key))
    headers = {"Depth": "0"} if method == "PROPFIND" else {}
    return Call(method, path, {"headers": headers})


@pytest.mark.timeout(300)
async def test_each_caller_gets_exactly_what_its_kind_allows(
    start_mailing: StartMailing,
    make_account: MakeAccount,
    conn: asyncpg.Connection,
    vcard_spec: OpenApi,
) -> None:
    mailing = await start_mailing(mailing_worker=False)
    async with TestClient(TestServer(create_vcard(mailing.settings))) as vcard_client:
        tokens, allowed_account = await callers(make_account, conn, mailing)
        world = World(mailing, str(tokens["admin"]), allowed_account)
        apis = {
            "directory": mailing.directory,
            "mailing": mailing.api,
            "vcard": Api(vcard_client, vcard_spec),
        }
        failures: list[str] = []
        for service in SERVICES:
            for key, permission in documented(service).items():
                recipe = RECIPES.get(service, {}).get(key)
                failures += await try_everyone(
                    world, apis[service], service, key, permission, tokens, recipe
                )
    assert not failures, "\n".join(failures)


async def try_everyone(
    world: World,
    api: Api,
    service: str,
    key: str,
    permission: str,
    tokens: dict[str, str | None],
    recipe: Recipe | None,
) -> list[str]:
    """One operation as every caller; what went wrong."""
    failures = []
    seen: dict[str, int] = {}
    for caller in CALLERS:
        call = await recipe(world) if recipe else await reading(world, service, key)
        reply = await send(api.as_(tokens[caller]), call)
        seen[caller] = reply.status
        if permission in UNGUARDED and permission != "address_book":
            continue  # compared with the anonymous answer below
        if not admitted(key, permission, caller, reply.status):
            failures.append(f"{service} {key} as {caller}: {reply.status} {reply.text[:200]}")
    if permission in UNGUARDED and permission != "address_book":
        # Public: a credential is not looked at, so every caller gets the anonymous answer.
        failures += [
            f"{service} {key} as {c}: {s}, anonymous got {seen['anonymous']}"
            for c, s in seen.items()
            if s != seen["anonymous"]
        ]
    if permission == "service":
        call = await recipe(world) if recipe else await reading(world, service, key)
        reply = await send(api.as_(SERVICE_TOKEN), call)
        # Past authentication (a made-up reveal token is then refused on its merits).
        if reply.status == 401:
            failures.append(f"{service} {key} as the service: {reply.status}")
    return failures
