"""Every mutating endpoint, called as six kinds of caller; the OpenAPI documents list them."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest

from shared.web import load_openapi
from tests.conftest import SERVICE_TOKEN, MakeAccount
from tests.mailing.conftest import Mailing, StartMailing
from tests.mailing.test_subscriptions import EE_LIST
from tests.support.api import Api, Reply

pytestmark = pytest.mark.usefixtures("demo")

MUTATING = {"post", "put", "patch", "delete"}
CALLERS = ["anonymous", "expired", "revoked", "other network", "allowed coordinator", "admin"]
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
    # Only the service credential: no person's token, not even an admin's.
    "service": set(),
}
ALL = ("edit_contacts", "manage_lists", "send_campaigns")
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

    async def list_(self) -> str:
        slug = unique("uudised")
        await self.made(self.lists, "/v1/lists", EE_LIST | {"slug": slug})
        return slug

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
        "POST /v1/campaigns/{id}/cancel": _campaign_move("cancel", ("send",)),
        "POST /v1/lists/{slug}/import": _list_import,
        "POST /v1/inbound": _fixed(
            "POST",
            "/v1/inbound?to=bounces%2Bx@example.ee",
            data=b"From: a@example.ee\r\n\r\nx",
            headers={"Content-Type": "message/rfc822"},
        ),
    },
}


def documented(service: str) -> dict[str, str]:
    """Every mutating operation of a service's document, with its `x-permission`."""
    document = load_openapi(__import__(f"services.{service}.paths", fromlist=["OPENAPI"]).OPENAPI)
    found = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in MUTATING:
                key = f"{method.upper()} {path}"
                assert "x-permission" in operation, f"{service} {key} declares no x-permission"
                found[key] = operation["x-permission"]
    return found


def test_every_mutating_operation_is_in_the_matrix() -> None:
    """A new endpoint cannot escape: it needs an x-permission and a recipe here."""
    for service in ("directory", "mailing", "vcard"):
        guarded = {k for k, v in documented(service).items() if v != "public"}
        assert guarded == set(RECIPES.get(service, {})), service
        assert set(documented(service).values()) <= {*SUCCEEDS, "public"}


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
    tokens: dict[str, str | None] = {
        "anonymous": None,
        "expired": expired,
        "revoked": revoked,
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


@pytest.mark.timeout(120)
async def test_only_allowed_callers_change_anything(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    mailing = await start_mailing(mailing_worker=False)
    tokens, allowed_account = await callers(make_account, conn, mailing)
    world = World(mailing, str(tokens["admin"]), allowed_account)
    apis = {"directory": mailing.directory, "mailing": mailing.api}
    failures = []
    for service, recipes in RECIPES.items():
        permissions = documented(service)
        for key, recipe in recipes.items():
            allowed = SUCCEEDS[permissions[key]]
            for caller in CALLERS:
                call = await recipe(world)
                reply = await send(apis[service].as_(tokens[caller]), call)
                if caller in allowed:
                    ok = 200 <= reply.status < 300
                elif caller in ("anonymous", "expired", "revoked"):
                    ok = reply.status == 401
                elif permissions[key] == "service":
                    # A person's token is not the service credential, whoever holds it.
                    ok = reply.status in (401, 403)
                else:
                    # Another network's things are forbidden, or not even shown to exist.
                    ok = reply.status in (403, 404)
                if not ok:
                    failures.append(f"{service} {key} as {caller}: {reply.status} {reply.text}")
            if permissions[key] == "service":
                call = await recipe(world)
                reply = await send(apis[service].as_(SERVICE_TOKEN), call)
                # Past authentication (a made-up reveal token is then refused on its merits).
                if reply.status == 401:
                    failures.append(f"{service} {key} as the service: {reply.status}")
    assert not failures, "\n".join(failures)
