"""A DNS server of our own that answers only when told: a slow resolver, made to order.

It runs in a thread with its own socket, so it keeps working while the event loop under
test is blocked (which is what a test of "off the event loop" must be able to see).
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import dns.message
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.rrset


class HeldDns:
    """A UDP DNS server on 127.0.0.1 that holds each answer until `release` is set.

    Every MX question is answered `10 mx.<name>`, any other with no records; a name in
    `absent` does not exist (NXDOMAIN), one in `null_mx` accepts no mail (RFC 7505 `0 .`).
    `asked` is set at the first question; `answered` once an answer has gone out; a held
    answer goes out anyway after `hold_at_most` seconds, so a blocked caller is not blocked
    for ever.
    """

    def __init__(self, hold_at_most: float = 10.0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))  # port 0: the system picks, we ask which
        self.port: int = self.sock.getsockname()[1]
        self.asked, self.release, self.answered = (threading.Event() for _ in range(3))
        self.hold_at_most = hold_at_most
        self.absent: set[str] = set()
        self.null_mx: set[str] = set()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                wire, peer = self.sock.recvfrom(4096)
            except OSError:
                return  # closed
            query = dns.message.from_wire(wire)
            self.asked.set()
            self.release.wait(self.hold_at_most)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            if name in self.absent:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.MX and name in self.null_mx:
                response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "MX", "0 ."))
            elif question.rdtype == dns.rdatatype.MX:
                response.answer.append(
                    dns.rrset.from_text(question.name, 60, "IN", "MX", f"10 mx.{question.name}")
                )
            self.answered.set()
            try:
                self.sock.sendto(response.to_wire(), peer)
            except OSError:
                return  # closed while the answer was held

    def resolver(self) -> dns.resolver.Resolver:
        """A dnspython resolver that asks only this server."""
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.port
        return resolver


@contextmanager
def held_dns_as_default() -> Iterator[HeldDns]:
    """The server, made dnspython's default resolver (what email-validator asks) meanwhile."""
    server = HeldDns()
    server._thread.start()
    before = dns.resolver.default_resolver
    dns.resolver.default_resolver = server.resolver()
    try:
        yield server
    finally:
        dns.resolver.default_resolver = before
        server.release.set()
        server.sock.close()


def threads_in(module_path: str) -> list[str]:
    """The names of the threads running code from a file whose path holds `module_path`."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    found = []
    for ident, frame in sys._current_frames().items():
        walk: FrameType | None = frame
        while walk is not None:
            if module_path in walk.f_code.co_filename:
                found.append(names.get(ident, "?"))
                break
            walk = walk.f_back
    return found


def threads_asking_dns() -> list[str]:
    """The names of the threads inside email-validator's deliverability check (asking DNS)."""
    return threads_in("email_validator/deliverability.py")
