"""Ports for servers under test: bound at port 0 and kept, never chosen, released and rebound.

`Reserved` binds 127.0.0.1:0 and holds the socket: the port is ours from then on, a server in
this process takes the socket itself (aiohttp's `socket_factory`, asyncio's `sock=`), and
until one does, a client connecting there is refused (the relay is "down").
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


def free_port() -> int:
    """A port for a child process to bind itself (nothing in this process: use `Reserved`).

    Chosen, released, then bound by the child: another process may take it in between, so a
    caller starts the child again on another port when it cannot bind (see processes.py).
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
