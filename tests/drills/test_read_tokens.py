"""A read token (a phone's CardDAV password) reads address books and can do nothing else."""

from __future__ import annotations

import pytest

from tests.conftest import MakeAccount
from tests.mailing.conftest import StartMailing
from tests.mailing.test_subscriptions import make_list

pytestmark = pytest.mark.usefixtures("demo")
ALL = ("edit_contacts", "manage_lists", "send_campaigns")


async def test_a_read_token_reads_the_book_and_nothing_else(
    start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    """Issue 14 items 5 and 10: no token listing, no subscriber export, no revocation."""
    mailing = await start_mailing(mailing_worker=False)
    account, api_token = await make_account("ee@example.ee", permissions={"ee": ALL})
    _, read_token = await make_account("ee@example.ee", kind="read")
    slug = (await make_list(mailing, api_token))["slug"]
    directory, lists = mailing.directory.as_(read_token), mailing.api.as_(read_token)

    # What it is for: the account's address book, addresses included.
    book = await directory.get("/v1/networks/ee/contacts")
    assert book.status == 200
    assert any(c.get("emails") for c in book.json["items"])

    # Item 5: it lists none of the account's tokens...
    assert (await directory.get(f"/v1/accounts/{account}/tokens")).status == 403
    # ...and exports no subscriber list, nor reads one.
    for path in (
        f"/v1/lists/{slug}/export.csv",
        f"/v1/lists/{slug}/members",
        f"/v1/lists/{slug}",
        "/v1/lists",
    ):
        reply = await lists.get(path)
        assert reply.status == 403, (path, reply.status)
        assert "read token" in reply.json["detail"]

    # Item 10: it revokes nothing; the API token still works afterwards.
    listed = await mailing.directory.as_(api_token).get(f"/v1/accounts/{account}/tokens")
    api_id = next(t["id"] for t in listed.json["items"] if t["kind"] == "api")
    assert (await directory.delete(f"/v1/tokens/{api_id}")).status == 403
    assert (await mailing.directory.as_(api_token).get("/v1/me")).status == 200
    # Nor does it revoke itself, or start a console session's worth of anything.
    read_id = next(t["id"] for t in listed.json["items"] if t["kind"] == "read")
    assert (await directory.delete(f"/v1/tokens/{read_id}")).status == 403
    assert (await directory.get("/v1/me")).status == 403
