"""Sync-token URIs read without a server (RFC 6578 §3.2: a token we did not issue is refused)."""

from __future__ import annotations

import pytest

from services.vcard.access import ANONYMOUS, View
from services.vcard.synctoken import directory_token, sync_token

pytestmark = pytest.mark.fast

FULL = View(token="t", key="full:7")


@pytest.mark.parametrize("inner", ["1:5:", "0:0:12,13", "Jõemets ☃", "x" * 2000])
def test_a_token_reads_back_in_its_own_view_only(inner: str) -> None:
    for view, other in ((ANONYMOUS, FULL), (FULL, ANONYMOUS)):
        token = sync_token(view, inner)
        assert token.startswith("urn:kontakt:sync:")
        assert directory_token(view, token) == inner
        assert directory_token(view, f"  {token}\r\n") == inner  # as a client pads it
        assert directory_token(other, token) is None  # never across views


@pytest.mark.parametrize(
    "token",
    [
        "",
        "urn:kontakt:sync:",
        "urn:kontakt:sync:YW5vbnltb3Vz",  # a view, no directory part
        "urn:kontakt:sync:YW5vbnltb3Vz:",
        "urn:other:sync:YW5vbnltb3Vz:MQ",
        "urn:kontakt:sync:YW5vbnltb3Vz:M Q",
        "urn:kontakt:sync:YW5vbnltb3Vz:M+Q/",  # base64, not base64url
        "urn:kontakt:sync:YW5vbnltb3Vz:_w",  # decodes to bytes that are not UTF-8
        "urn:kontakt:sync:YW5vbnltb3Vz:A",  # one character: no whole byte
        "urn:kontakt:sync:YW5vbnltb3Vz:" + "QUFB" * 1001,  # past 4,000 characters
        "http://example.org/ns/sync/1",
    ],
)
def test_anything_else_is_not_a_token_of_ours(token: str) -> None:
    assert directory_token(ANONYMOUS, token) is None
