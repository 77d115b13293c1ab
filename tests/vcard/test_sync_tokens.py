"""Sync tokens: anything this database did not issue is 403 DAV:valid-sync-token (RFC 6578 §3.2)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from tests.conftest import SERVICE_TOKEN
from tests.support.dav import SYNC, D, dav, inner
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")

ANONYMOUS = base64.urlsafe_b64encode(b"anonymous").decode().rstrip("=")


def urn(directory_token: str, view: str = ANONYMOUS) -> str:
    """A token of the vcard service's shape around any directory token."""
    inner = base64.urlsafe_b64encode(directory_token.encode()).decode().rstrip("=")
    return f"urn:kontakt:sync:{view}:{inner}"


async def first_token(services: Pair, book: str = "lv") -> str:
    """The sync token a client gets from its first, full sync."""
    status, root, _ = await dav(
        services.vcard, "REPORT", f"/dav/addressbooks/{book}/", SYNC.format(token="")
    )
    assert status == 207
    assert root is not None
    token = root.findtext(f"{D}sync-token")
    assert token
    return token


def forged(services_token: str, snapshot: str) -> str:
    """A token issued here with its snapshot replaced."""
    version = inner(services_token).rpartition(".")[0]
    return urn(f"{version}.{snapshot}" if version else snapshot)


async def assert_refused(services: Pair, token: str) -> None:
    """403 with DAV:valid-sync-token: the client drops its token and syncs afresh."""
    status, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/lv/", SYNC.format(token=token)
    )
    assert status == 403, token[:100]
    assert root is not None
    assert root.find(f"{D}valid-sync-token") is not None


async def test_a_snapshot_in_the_future_is_refused_even_right_after_an_edit(
    services: Pair, admin_token: str
) -> None:
    token = await first_token(services)
    _, xmax, _ = inner(token).rpartition(".")[2].split(":")
    future = forged(token, f"{int(xmax) + 1000}:{int(xmax) + 1000}:")
    listing = (await services.directory.get("/v1/networks/for-in/contacts?member=lv")).json
    sebre = listing["items"][1]
    await services.directory.as_(admin_token).patch(
        f"/v1/contacts/{sebre['id']}", json={"titles": {"en": "Changed"}}
    )
    await assert_refused(services, future)
    # The token that was issued still works, and reports the edit.
    status, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/lv/", SYNC.format(token=token)
    )
    assert status == 207
    assert root is not None
    assert [r.findtext(f"{D}href") for r in root.findall(f"{D}response")] == [
        f"/dav/addressbooks/lv/{sebre['uid']}.vcf"
    ]


BAD_TOKENS: list[Callable[[str], str]] = [
    lambda t: forged(t, "5:3:"),  # xmin above xmax: PostgreSQL refuses it
    lambda t: forged(t, "0:0:"),
    lambda t: forged(t, "3:9:12"),  # an in-progress id outside [xmin, xmax)
    lambda t: forged(t, "3:9:5,4"),  # in-progress ids out of order
    lambda t: forged(t, "3:99999999999999999999999:"),  # beyond 64 bits
    lambda t: forged(t, "1:1:" + ",".join(["1"] * 20000)),
    lambda t: urn(inner(t).replace(".", ":", 1)),
    lambda t: urn("1." + "0" * 32 + "." + inner(t).rpartition(".")[2]),  # a version never made
    lambda t: urn(inner(t)[:-1] + ("1" if inner(t)[-1] != "1" else "2")),
    lambda t: urn("x"),
    lambda t: urn(""),
    lambda t: t + "x",
    lambda t: t.replace("urn:kontakt:sync:", "urn:kontakt:sync:x"),
    lambda t: "urn:kontakt:sync:%%%:%%%",
    lambda t: "urn:kontakt:sync:YW5vbnltb3Vz:" + "A" * 5000,
    lambda t: "http://example.org/sync/1",
    lambda t: "Jõemets",
    lambda t: "urn:kontakt:sync:YW5vbnltb3Vz:" + base64.urlsafe_b64encode(b"\xff\xfe").decode(),
]


async def test_every_malformed_or_foreign_token_is_403_never_500_or_503(services: Pair) -> None:
    token = await first_token(services)
    for make in BAD_TOKENS:
        await assert_refused(services, make(token))


async def test_the_directory_names_the_field_for_a_token_it_did_not_issue(
    services: Pair,
) -> None:
    api = services.directory.as_(SERVICE_TOKEN)
    for since in ("5:3:", "1." + "0" * 32 + ".1:1:", "garbage", "9" * 30):
        answer = await api.get(f"/v1/sync?since={since}")
        assert answer.status == 422, since
        assert answer.problem_fields() == ["since"]
