"""The baseline server: a bare aiohttp handler returning a constant body of a given size."""

import sys

from aiohttp import web

from shared.process import activated_socket


def main() -> None:
    """Serve `size` bytes of JSON on the socket passed (socket activation)."""
    size = int(sys.argv[1])
    body = b'{"x":"' + b"a" * max(size - 8, 0) + b'"}'

    async def constant(_: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/", constant)
    web.run_app(app, sock=activated_socket(), print=None, access_log=None)


if __name__ == "__main__":
    main()
