"""A read token (a phone's CardDAV password) reads address books and can do nothing else."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import MakeAccount
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import make_list

pytestmark = pytest.mark.usefixtures("demo")
ALL = ("edit_contacts", "manage_lists", "send_campaigns")


@dataclass
class Phone:
    """A coordinator of ee with every permission, their API token, their phone's read token."""

    mailing: Mailing
    account: int
    api_token: str
    read_token: str
    list_slug: str

    async def token_id(self, kind: str) -> int:
        """The id of the account's token of `kind`."""
        listed = await self.mailing.directory.as_(self.api_token).get(
            f"/v1/accounts/{self.account}/tokens"
        )
        return int(next(t["id"] for t in listed.json["items"] if t["kind"] == kind))


@pytest.fixture
async def phone(start_mailing: StartMailing, make_account: MakeAccount) -> Phone:
    """The coordinator, a list of theirs, and the read token on their phone."""
    mailing = await start_mailing(mailing_worker=False)
    account, api_token = await make_account("ee@example.ee", permissions={"ee": ALL})
    _, read_token = await make_account("ee@example.ee", kind="read")
    slug = (await make_list(mailing, api_token))["slug"]
    return Phone(mailing, account, api_token, read_token, slug)


async def test_a_read_token_reads_its_address_book(phone: Phone) -> None:
    """What it is for: the account's networks, addresses included."""
    book = await phone.mailing.directory.as_(phone.read_token).get("/v1/networks/ee/contacts")
    assert book.status == 200
    assert any(c.get("emails") for c in book.json["items"])


async def test_a_read_token_lists_no_tokens(phone: Phone) -> None:
    """Issue 14 item 5: the phone's password does not show the account's tokens."""
    directory = phone.mailing.directory.as_(phone.read_token)
    assert (await directory.get(f"/v1/accounts/{phone.account}/tokens")).status == 403
    assert (await directory.get(f"/v1/accounts/{phone.account}")).status == 403
    assert (await directory.get("/v1/me")).status == 403


async def test_a_read_token_exports_no_subscribers(phone: Phone) -> None:
    """Issue 14 item 5: nor any subscriber list the account manages."""
    lists = phone.mailing.api.as_(phone.read_token)
    for path in (
        f"/v1/lists/{phone.list_slug}/export.csv",
        f"/v1/lists/{phone.list_slug}/members",
        f"/v1/lists/{phone.list_slug}",
        "/v1/lists",
    ):
        reply = await lists.get(path)
        assert reply.status == 403, (path, reply.status)
        assert "read token" in reply.json["detail"]


async def test_a_read_token_revokes_nothing(phone: Phone) -> None:
    """Issue 14 item 10: DELETE /v1/tokens/{id} needs an API token; the API token still works."""
    directory = phone.mailing.directory.as_(phone.read_token)
    api_id, read_id = await phone.token_id("api"), await phone.token_id("read")
    assert (await directory.delete(f"/v1/tokens/{api_id}")).status == 403
    assert (await directory.delete(f"/v1/tokens/{read_id}")).status == 403
    assert (await phone.mailing.directory.as_(phone.api_token).get("/v1/me")).status == 200
    assert (await directory.get("/v1/networks/ee/contacts")).status == 200
