"""Where a form was posted from: `Origin: null` is a foreign page, our own pages are ours."""

from __future__ import annotations

import asyncpg
import pytest
from aiohttp import web
from playwright.async_api import Browser, Request, expect
from pytest_aiohttp import AiohttpServer

from tests.conftest import MakeAccount
from tests.support.forms import form_token
from tests.support.mailing import Mailing
from tests.support.newsletters import make_list
from tests.support.preferences import newsletter_link, owner_link, states

pytestmark = pytest.mark.usefixtures("demo")


async def test_a_sandboxed_frame_on_any_site_cannot_subscribe_but_our_own_form_can(
    browser: Browser, mailing: Mailing, make_account: MakeAccount, aiohttp_server: AiohttpServer
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    hosted = await mailing.api.get("/subscribe/ee-uudised?lang=en")
    key = form_token(hosted.text)  # anyone can load the hosted form and take its token
    page = await browser.new_page()
    try:
        # A sandboxed frame's document has an opaque origin: Chromium sends `Origin: null`.
        srcdoc = (
            f"<form method=post action='{mailing.base}/subscribe/ee-uudised'>"
            f"<input name=form_token value='{key}'><input name=email value='victim@example.ee'>"
            "<input name=lang value=en></form><script>document.forms[0].submit()</script>"
        )
        posts: list[Request] = []
        page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
        evil = f'<iframe sandbox="allow-forms allow-scripts" srcdoc="{srcdoc}"></iframe>'

        async def evil_page(_: web.Request) -> web.Response:
            return web.Response(text=evil, content_type="text/html")

        site = web.Application()
        site.router.add_get("/", evil_page)
        server = await aiohttp_server(site)  # another site (another port: another origin)
        await page.goto(str(server.make_url("/")))
        frame = page.frame_locator("iframe")
        # What is wrong (the page it came from), not "expired, reload", which never helps.
        await expect(frame.locator("body")).to_contain_text(
            f"This form must be sent from the page of FOR-IN Estonia newsletter on {mailing.base}"
        )
        await expect(frame.locator("body")).not_to_contain_text("load the page again")
        # Our own hosted form, in the same browser, posts with our origin and is taken.
        await page.goto(f"{mailing.base}/subscribe/ee-uudised?lang=en")
        await page.fill("input[name=email]", "lugeja@example.ee")
        await page.click("button[type=submit]")
        await expect(page.locator("body")).to_contain_text("Thank you")
        assert await posts[-1].header_value("origin") == mailing.base
    finally:
        await page.close()
    await mailing.settle()
    assert [m.rcpt_to for m in mailing.sink.messages] == [["lugeja@example.ee"]]


async def test_the_hosted_form_sent_from_another_page_says_where_it_works(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    for lang, words in [("en", "must be sent from the page of"), ("et", "")]:
        hosted = await mailing.api.get(f"/subscribe/ee-uudised?lang={lang}")
        for origin in ("https://evil.example", "null"):
            refused = await mailing.api.post(
                "/subscribe/ee-uudised",
                data={"form_token": form_token(hosted.text), "email": "a@example.ee", "lang": lang},
                headers={"Origin": origin},
            )
            assert refused.status == 403
            assert mailing.base in refused.text
            assert words in refused.text
            for reload in ("load the page again", "Palun laadige leht uuesti"):
                assert reload not in refused.text
    # A token that is not good (expired, forged) still asks for a reload: that does help.
    stale = await mailing.api.post(
        "/subscribe/ee-uudised",
        data={"form_token": "x.y", "email": "a@example.ee", "lang": "en"},
        headers={"Origin": mailing.base},
    )
    assert "load the page again" in stale.text


async def test_a_persons_forms_are_taken_only_from_our_pages_or_from_no_browser(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    entry = await newsletter_link(mailing, make_account, conn)
    manage = await owner_link(mailing, conn, "mari@example.ee", "ee-uudised")
    for origin in ("null", "https://evil.example", "http://" + mailing.base.split("://")[1] + "x"):
        for path in (f"{entry}/unsubscribe", f"{manage}/unsubscribe", f"{manage}/erase"):
            refused = await mailing.api.post(
                path, data={"confirm": "1", "lang": "en"}, headers={"Origin": origin}
            )
            assert refused.status == 403, (origin, path)
            assert "load the page again" not in refused.text
            assert f"can only be sent from its own page on {mailing.base}" in refused.text
    assert await states(conn) == {"ee-uudised": "confirmed", "ee-teabepaevad": "confirmed"}
    # A client that is not a browser sends no Origin (and could send any): taken, as before.
    left = await mailing.api.post(f"{entry}/unsubscribe", data={})
    assert left.status == 200
    assert (await states(conn))["ee-uudised"] == "unsubscribed"
    # A browser without Origin but with Fetch metadata saying another site: refused.
    refused = await mailing.api.post(
        f"{manage}/subscribe", data={}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert refused.status == 403


async def test_a_confirmation_link_posted_from_another_page_confirms_nothing(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    hosted = await mailing.api.get("/subscribe/ee-uudised?lang=en")
    for origin in ("null", "https://evil.example"):
        refused = await mailing.api.post(
            "/subscribe/ee-uudised",
            data={"form_token": form_token(hosted.text), "email": "x@example.ee"},
            headers={"Origin": origin},
        )
        assert refused.status == 403, origin
    taken = await mailing.api.post(
        "/subscribe/ee-uudised",
        data={"form_token": form_token(hosted.text), "email": "x@example.ee"},
        headers={"Origin": mailing.base},
    )
    assert taken.status == 200
    await mailing.settle()
    link = mailing.links("/confirm/")[0].split("?")[0]
    for origin in ("null", "https://evil.example"):
        refused = await mailing.api.post(link, data={}, headers={"Origin": origin})
        assert refused.status == 403, origin
    assert await conn.fetchval("SELECT status FROM mailing.subscriptions") == "pending"
    confirmed = await mailing.api.post(link, data={}, headers={"Origin": mailing.base})
    assert confirmed.status == 200
    assert await conn.fetchval("SELECT status FROM mailing.subscriptions") == "confirmed"


async def test_an_unknown_list_in_a_frame_is_a_page_in_the_readers_language(
    mailing: Mailing,
) -> None:
    page = await mailing.api.get(
        "/subscribe/ee-uudsed",
        headers={"Accept": "text/html,application/xhtml+xml", "Accept-Language": "lv-LV,lv"},
    )
    assert page.status == 404
    assert page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="lv"' in page.text
    assert "ee-uudsed" in page.text
    api = await mailing.api.get("/subscribe/ee-uudsed", headers={"Accept": "application/json"})
    assert api.status == 404
    assert api.headers["Content-Type"].startswith("application/problem+json")
