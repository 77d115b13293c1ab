"""An example host website on its own origin, embedding the directory's contacts three ways."""

from __future__ import annotations

import html

import aiohttp
from aiohttp import web

PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>FOR-IN contacts, embedded three ways</title>
<link rel="stylesheet" href="{directory}/widget.css">
<script src="{directory}/widget.js" async></script>
</head>
<body>
<main>
<h1>FOR-IN contacts, embedded three ways</h1>
<section id="custom-element">
<h2>1. Script and custom element</h2>
<kontakt-contacts network="{network}" member="{member}" lang="{lang}"></kontakt-contacts>
</section>
<section id="iframe">
<h2>2. iframe</h2>
<iframe title="Contacts" src="{directory}/embed/{network}?member={member}&amp;lang={lang}"
 width="100%" height="600" referrerpolicy="no-referrer-when-downgrade"></iframe>
</section>
<section id="fragment">
<h2>3. Server-side fragment</h2>
{fragment}
</section>
</main>
</body>
</html>
"""


def example_app(directory_url: str) -> web.Application:
    """The example site; `?network=&member=&lang=` choose what it shows."""
    app = web.Application()

    async def index(request: web.Request) -> web.Response:
        network = request.query.get("network", "for-in")
        member = request.query.get("member", "")
        lang = request.query.get("lang", "en")
        params = {"member": member, "lang": lang}
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
            session.get(f"{directory_url}/fragment/{network}", params=params) as response,
        ):
            # The fragment is trusted HTML from our own directory, included as a host would.
            fragment = await response.text() if response.status == 200 else ""
        page = PAGE.format(
            lang=html.escape(lang),
            network=html.escape(network),
            member=html.escape(member),
            directory=html.escape(directory_url),
            fragment=fragment,
        )
        policy = (
            f"default-src 'self'; script-src {directory_url}; style-src {directory_url}; "
            f"connect-src {directory_url}; frame-src {directory_url}; img-src 'self' data:"
        )
        return web.Response(
            text=page, content_type="text/html", headers={"Content-Security-Policy": policy}
        )

    app.router.add_get("/", index)
    return app
