"""The client's address, believing X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

from aiohttp import web


def client_address(request: web.Request, trusted: Sequence[str]) -> str:
    """The client's IP: the first hop, walking back from us, that is not a trusted proxy."""
    peer = request.remote or "unknown"
    if not trusted:
        return peer
    networks = _parsed(tuple(trusted))

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in networks)

    if not is_trusted(peer):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            return hop
    return hops[0] if hops else peer


@functools.lru_cache(maxsize=8)
def _parsed(trusted: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The networks of a trusted-proxy list, parsed once per list (settings are frozen)."""
    return tuple(ipaddress.ip_network(t, strict=False) for t in trusted)


def budget_client(address: str, ipv6_prefix: int) -> str:
    """Whose rate-limit budget an address spends: itself (IPv4), or its IPv6 network.

    One line usually gets a whole IPv6 /64 (RFC 6177), so counting single addresses would
    give a client 2**64 budgets. Anything that is not an address is counted as it is.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/{ipv6_prefix}", strict=False))


def client_budget(request: web.Request, trusted: Sequence[str], ipv6_prefix: int) -> str:
    """The budget the client of this request spends (see `budget_client`)."""
    return budget_client(client_address(request, trusted), ipv6_prefix)
