"""Accounts, hashed tokens, revocation, expiry, and introspection for the other services."""

from __future__ import annotations

import asyncio
import hashlib

import asyncpg
import pytest

from shared.http import client_session
from shared.settings import Settings
from tests.conftest import SERVICE_TOKEN, MakeAccount
from tests.support.api import Api
from tests.support.races import row_held

pytestmark = pytest.mark.usefixtures("demo")


async def test_account_with_permissions_and_a_token_shown_once(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    api = directory.as_(admin_token)
    created = await api.post(
        "/v1/accounts",
        json={
            "email": "koordinaator@example.ee",
            "name": "Kadri Jõemets",
            "permissions": [{"network": "ee", "edit_contacts": True, "manage_lists": True}],
        },
    )
    assert created.status == 201, created.text
    account_id = created.json["id"]
    assert created.json["permissions"] == [
        {"network": "ee", "edit_contacts": True, "manage_lists": True, "send_campaigns": False}
    ]
    issued = await api.post(f"/v1/accounts/{account_id}/tokens", json={"name": "laptop"})
    assert issued.status == 201
    token = issued.json["token"]
    assert issued.headers["Cache-Control"] == "no-store"
    # Only a hash is stored, and the token appears in no later answer.
    stored = await conn.fetchval("SELECT hash FROM tokens WHERE id = $1", issued.json["id"])
    assert stored == hashlib.sha256(token.encode()).digest()
    assert token not in (await conn.fetch("SELECT * FROM tokens")).__repr__()
    listing = await api.get(f"/v1/accounts/{account_id}/tokens")
    assert token not in listing.text
    assert listing.json["items"][0]["prefix"] == token[:10]

    me = await directory.as_(token).get("/v1/me")
    assert me.json["email"] == "koordinaator@example.ee"
    assert me.json["name"] == "Kadri Jõemets"
    assert (await api.post("/v1/accounts", json={"email": "KOORDINAATOR@example.ee"})).status == 409


async def test_revoked_and_expired_tokens_stop_working(
    directory: Api, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("someone@example.org")
    api = directory.as_(token)
    assert (await api.get("/v1/me")).status == 200
    token_id = (await api.get("/v1/me")).json["token"]["id"]
    await conn.execute(
        "UPDATE tokens SET expires_at = now() - interval '1 second' WHERE id = $1", token_id
    )
    assert (await api.get("/v1/me")).status == 401
    await conn.execute("UPDATE tokens SET expires_at = NULL WHERE id = $1", token_id)
    assert (await api.delete(f"/v1/tokens/{token_id}")).status == 204
    assert (await api.get("/v1/me")).status == 401


async def test_only_admins_manage_accounts(
    directory: Api, make_account: MakeAccount, admin_token: str
) -> None:
    account_id, token = await make_account(
        "plain@example.org", permissions={"lt": ("edit_contacts",)}
    )
    api = directory.as_(token)
    assert (await api.get("/v1/accounts")).status == 403
    assert (await api.post("/v1/accounts", json={"email": "x@example.org"})).status == 403
    assert (await api.patch(f"/v1/accounts/{account_id}", json={"is_admin": True})).status == 403
    assert (await api.get(f"/v1/accounts/{account_id}")).status == 200
    admin_api = directory.as_(admin_token)
    others = await admin_api.get("/v1/accounts")
    other_id = next(a["id"] for a in others.json["items"] if a["email"] == "admin@example.org")
    assert (await api.get(f"/v1/accounts/{other_id}")).status == 403
    assert (await api.post(f"/v1/accounts/{other_id}/tokens", json={})).status == 403
    changed = await admin_api.patch(
        f"/v1/accounts/{account_id}",
        json={"permissions": [{"network": "lv", "send_campaigns": True}], "name": "Plain"},
    )
    assert changed.json["permissions"][0]["network"] == "lv"
    bad = await admin_api.patch(
        f"/v1/accounts/{account_id}", json={"permissions": [{"network": "mars"}]}
    )
    assert bad.status == 422
    assert bad.problem_fields() == ["permissions[0].network"]
    self_lockout = await admin_api.patch(f"/v1/accounts/{other_id}", json={"is_admin": False})
    assert self_lockout.status == 422
    disabled = await admin_api.patch(f"/v1/accounts/{account_id}", json={"disabled": True})
    assert disabled.json["disabled"] is True
    assert (await api.get("/v1/me")).status == 401


async def test_two_edits_of_different_account_fields_both_stay(
    directory: Api, admin_token: str, make_account: MakeAccount, settings: Settings
) -> None:
    """Each PATCH reads what it reads, then both write: a disable and a rename both stay."""
    account_id, token = await make_account("leaving@example.org")
    api = directory.as_(admin_token)
    missing = await api.patch("/v1/accounts/999999", json={"name": "Nobody"})
    assert missing.status == 404, missing.text
    held = "SELECT 1 FROM directory.accounts WHERE id = $1 FOR UPDATE"
    async with row_held(settings.database_url or "", held, account_id) as wait:
        disable = asyncio.create_task(
            api.patch(f"/v1/accounts/{account_id}", json={"disabled": True})
        )
        await wait(1)  # the first edit waits to write
        rename = asyncio.create_task(
            api.patch(f"/v1/accounts/{account_id}", json={"name": "Liis Lahkuja"})
        )
        await wait(2)  # the second has read what it reads before writing
    assert [(await disable).status, (await rename).status] == [200, 200]
    stored = (await api.get(f"/v1/accounts/{account_id}")).json
    assert (stored["disabled"], stored["name"]) == (True, "Liis Lahkuja")
    assert (await directory.as_(token).get("/v1/me")).status == 401


async def test_accounts_page_by_id_and_their_tokens_come_in_one_request(
    directory: Api, admin_token: str, make_account: MakeAccount
) -> None:
    api = directory.as_(admin_token)
    made = [(await make_account(f"leht{n}@example.org"))[0] for n in range(5)]
    first = await api.get("/v1/accounts?limit=3")
    assert first.status == 200, first.text
    assert len(first.json["items"]) == 3
    rest = await api.get(first.json["next"])
    listed = [a["id"] for a in first.json["items"] + rest.json["items"]]
    assert rest.json["next"] is None
    assert set(made) <= set(listed)
    assert listed == sorted(listed)
    tokens = await api.get(f"/v1/tokens?account={made[0]}&account={made[1]}")
    assert sorted(t["account_id"] for t in tokens.json["items"]) == made[:2]
    assert len((await api.get("/v1/tokens")).json["items"]) >= 6
    assert (await api.get("/v1/tokens?account=x")).problem_fields() == ["account"]
    assert (await api.get("/v1/accounts?after=-1")).problem_fields() == ["after"]
    _, plain = await make_account("plain@example.org")
    assert (await directory.as_(plain).get("/v1/tokens")).status == 403


async def test_introspection_for_services_only(directory: Api, make_account: MakeAccount) -> None:
    _, token = await make_account(
        "lv-coord@example.org", permissions={"lv": ("manage_lists", "send_campaigns")}
    )
    anonymous = await directory.post("/v1/introspect", json={"token": token})
    assert anonymous.status == 401
    as_user = await directory.as_(token).post("/v1/introspect", json={"token": token})
    assert as_user.status == 401
    service = directory.as_(SERVICE_TOKEN)
    answer = await service.post("/v1/introspect", data={"token": token})
    assert answer.status == 200
    assert answer.json["active"] is True
    assert answer.json["token_type"] == "api"
    assert answer.json["kontakt"]["networks"] == {"lv": ["manage_lists", "send_campaigns"]}
    assert (await service.post("/v1/introspect", json={"token": "kt_nothing"})).json == {
        "active": False
    }
    assert (await service.post("/v1/introspect", json={})).problem_fields() == ["token"]


async def test_read_token_sees_emails_of_its_networks(
    directory: Api, make_account: MakeAccount
) -> None:
    _, token = await make_account("phone@example.org", kind="read", permissions={"lt": ()})
    reply = await directory.as_(token).get("/v1/networks/for-in/contacts?member=lt")
    # A grant without any permission is no entitlement.
    assert all("emails" not in c for c in reply.json["items"])
    _, entitled = await make_account(
        "phone2@example.org", kind="read", permissions={"lt": ("edit_contacts",)}
    )
    reply = await directory.as_(entitled).get("/v1/networks/for-in/contacts")
    by_name = {c["family_name"]: c for c in reply.json["items"]}
    assert by_name["Kisevičienė"]["emails"] == ["lina@diversitygroup.lt"]
    assert "emails" not in by_name["Kanarbik"]
    assert reply.headers["Cache-Control"] == "private, no-cache"


async def test_service_client_presents_the_service_credential(
    directory: Api, settings: Settings, make_account: MakeAccount
) -> None:
    _, token = await make_account("ee-coord@example.org", permissions={"ee": ("edit_contacts",)})
    base = str(directory.client.make_url("/"))
    async with (
        client_session(settings, base_url=base) as session,
        session.post("/v1/introspect", data={"token": token}) as response,
    ):
        assert response.status == 200
        answer = await response.json()
    assert answer["kontakt"]["networks"] == {"ee": ["edit_contacts"]}
    wrong = settings.replace(service_token="not-the-credential")
    async with (
        client_session(wrong, base_url=base) as session,
        session.post("/v1/introspect", data={"token": token}) as response,
    ):
        assert response.status == 401
