"""Who the client is behind trusted proxies: parsed once, checked at start-up."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from shared.clientip import _parsed, budget_client, client_address
from shared.settings import Settings, SettingsError

pytestmark = pytest.mark.fast
TRUSTED = ("10.0.0.0/8", "fd00::/8")


def _request(peer: str, forwarded: str = "") -> web.Request:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = make_mocked_request("GET", "/", headers=headers)
    request._transport_peername = (peer, 1234)  # aiohttp's own cache of the peer address
    return request


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # an untrusted peer's header is ignored
        ("10.1.2.3", "198.51.100.1, 10.9.9.9", "198.51.100.1"),
        ("10.1.2.3", "", "10.1.2.3"),
        ("10.1.2.3", "10.0.0.5, 10.0.0.6", "10.0.0.5"),  # every hop trusted: the first
        ("10.1.2.3", "not-an-address, 10.0.0.6", "not-an-address"),
    ],
)
def test_the_first_untrusted_hop_is_the_client(peer: str, forwarded: str, client: str) -> None:
    assert client_address(_request(peer, forwarded), TRUSTED) == client


def test_the_proxy_list_is_parsed_once_per_list() -> None:
    _parsed.cache_clear()
    for _ in range(50):
        client_address(_request("10.1.2.3", "198.51.100.1"), TRUSTED)
    assert _parsed.cache_info().misses == 1


def test_a_bad_proxy_entry_stops_the_start() -> None:
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        Settings.from_env({"KONTAKT_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example"})
    assert Settings.from_env({"KONTAKT_TRUSTED_PROXIES": "10.0.0.0/8"}).trusted_proxies


def test_an_ipv6_client_spends_its_network_budget() -> None:
    assert budget_client("2001:db8::1", 64) == budget_client("2001:db8::2", 64) == "2001:db8::/64"
    assert budget_client("::ffff:198.51.100.7", 64) == "198.51.100.7"
