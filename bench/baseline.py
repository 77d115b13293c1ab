"""The baseline server: a bare aiohttp handler returning a constant body of a given size."""

import sys

from aiohttp import web


def main() -> None:
    """Serve `size` bytes of JSON on `port`."""
    port, size = int(sys.argv[1]), int(sys.argv[2])
    body = b'{"x":"' + b"a" * max(size - 8, 0) + b'"}'

    async def constant(_: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/", constant)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
