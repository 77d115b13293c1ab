"""`PUT /v1/networks/{slug}/order`: a network's whole order in one request, revision-safe."""

from __future__ import annotations

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.api import Api
from tests.support.contacts import more_contacts

pytestmark = pytest.mark.usefixtures("demo")

# More than the 200 a contact listing answers at most, so a page-bound reorder would miss some.
MANY = 260


async def test_whole_order_replaced_in_one_request(
    directory: Api, conn: asyncpg.Connection, make_account: MakeAccount
) -> None:
    await more_contacts(conn, "lv", MANY)
    _, token = await make_account("koordinatore@example.lv", permissions={"lv": ("edit_contacts",)})
    api = directory.as_(token)
    read = await api.get("/v1/networks/lv/order")
    assert read.status == 200, read.text
    ids = read.json["ids"]
    assert len(ids) > MANY
    assert read.headers["ETag"] == f'"{read.json["revision"]}"'

    wanted = list(reversed(ids))
    put = await api.request(
        "PUT",
        "/v1/networks/lv/order",
        json={"ids": wanted},
        headers={"If-Match": read.headers["ETag"]},
    )
    assert put.status == 200, put.text
    assert put.json["ids"] == wanted
    # Every contact, the 201st and later too, is where it was put.
    after = await api.get("/v1/networks/lv/order")
    assert after.json["ids"] == wanted
    listed: list[int] = []
    url = "/v1/networks/lv/contacts?limit=200&include_unpublished=true"
    while url:
        page = await api.get(url)
        listed += [c["id"] for c in page.json["items"]]
        url = page.json["next"]
    assert listed == wanted

    # The old revision is stale now: 409 with the current one, nothing moved.
    again = await api.request(
        "PUT", "/v1/networks/lv/order", json={"ids": ids, "revision": read.json["revision"]}
    )
    assert again.status == 409
    assert again.json["revision"] == after.json["revision"]
    assert (await api.get("/v1/networks/lv/order")).json["ids"] == wanted


async def test_bad_orders_are_refused_and_change_nothing(
    directory: Api, admin_token: str, make_account: MakeAccount
) -> None:
    api = directory.as_(admin_token)
    read = (await api.get("/v1/networks/lv/order")).json
    ids, revision = read["ids"], read["revision"]

    missing = await api.request(
        "PUT", "/v1/networks/lv/order", json={"ids": ids[1:], "revision": revision}
    )
    assert missing.status == 409, missing.text
    twice = await api.request(
        "PUT", "/v1/networks/lv/order", json={"ids": [ids[0], *ids], "revision": revision}
    )
    assert twice.status == 422
    assert twice.problem_fields() == ["ids"]
    no_revision = await api.request("PUT", "/v1/networks/lv/order", json={"ids": ids})
    assert no_revision.status == 422
    assert no_revision.problem_fields() == ["revision"]
    not_ids = await api.request(
        "PUT", "/v1/networks/lv/order", json={"ids": ["x", True], "revision": revision}
    )
    assert not_ids.status == 422
    assert not_ids.problem_fields() == ["ids[0]", "ids[1]"]
    assert (await api.get("/v1/networks/lv/order")).json == read

    # A coordinator of another network may neither read nor write this order.
    _, other = await make_account("koordinaator@example.ee", permissions={"ee": ("edit_contacts",)})
    assert (await directory.as_(other).get("/v1/networks/lv/order")).status == 403
    refused = await directory.as_(other).request(
        "PUT", "/v1/networks/lv/order", json={"ids": ids, "revision": revision}
    )
    assert refused.status == 403
    assert (await directory.get("/v1/networks/lv/order")).status == 401


async def test_a_contact_shared_with_a_network_the_caller_does_not_edit_is_not_moved(
    directory: Api, conn: asyncpg.Connection, make_account: MakeAccount
) -> None:
    _, token = await make_account("koordinatore@example.lv", permissions={"lv": ("edit_contacts",)})
    api = directory.as_(token)
    read = (await api.get("/v1/networks/lv/order")).json
    shared = read["ids"][0]
    await conn.execute(
        "INSERT INTO memberships (contact_id, network_id, role) "
        "SELECT $1, id, 'member' FROM networks WHERE slug = 'ee'",
        shared,
    )
    read = (await api.get("/v1/networks/lv/order")).json
    wanted = [*read["ids"][1:], shared]
    refused = await api.request(
        "PUT", "/v1/networks/lv/order", json={"ids": wanted, "revision": read["revision"]}
    )
    assert refused.status == 403
    assert str(shared) in refused.json["detail"]
    assert (await api.get("/v1/networks/lv/order")).json == read
