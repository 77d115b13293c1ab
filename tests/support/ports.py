"""Ports for servers under test: bound at port 0 and kept, never chosen, released and rebound.

`Reserved` binds 127.0.0.1:0 and holds the socket: the port is ours from then on. Who serves
there takes it, in the most robust way the server allows:
- a server in this process takes the socket itself (aiohttp's `socket_factory`, asyncio's
  `sock=`); until one does, a client connecting there is refused (the relay is "down");
- a child process that accepts a passed socket (our services, PgBouncer, Dovecot) is given it
  as systemd gives it (activation.py);
- a child that binds its address itself (Postfix, smtp-sink, Radicale, `make run`) binds the
  same port beside ours: both set SO_REUSEADDR and ours never listens, which Linux allows,
  while the port is never given to anyone else's bind to port 0 or connect (so the test holds
  the socket open as long as the child runs).
"""

from __future__ import annotations

import socket


class Reserved:
    """A socket bound to a port the system chose; its port stays ours while it is open."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.port}"

    def factory(self, _host: str, _port: int, _family: socket.AddressFamily) -> socket.socket:
        """For aiohttp's `TestServer(socket_factory=…)`: this socket, already bound."""
        return self.sock
