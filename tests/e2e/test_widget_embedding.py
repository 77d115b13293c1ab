"""Embedding on the first paste: the iframe without JavaScript, its height, phones, theming."""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
import pytest
import vobject
from playwright.async_api import Browser, Page

from tests.conftest import DEMO_EMAILS
from tests.support.browser import axe_findings, shot
from tests.support.harvesters import harvest
from tests.support.site import StartSite
from tests.support.visitors import answer_in_latvian

pytestmark = pytest.mark.usefixtures("demo")

# No horizontal scrolling: the page is no wider than its window.
NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
# Visually hidden: whatever its text, nothing of it is painted outside its one pixel.
HIDDEN = """el => {
  const style = getComputedStyle(el);
  return style.overflow === 'hidden' && (style.clipPath === 'inset(50%)' || style.clip !== 'auto');
}"""


async def test_without_javascript_the_iframe_reveal_opens_the_whole_window_and_comes_back(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site()
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    host_page = f"{site.host}/?member=lv&lang=lv"
    await page.goto(host_page)
    frame = page.frame_locator("iframe")
    await frame.get_by_role("link", name="Rādīt e-pasta adresi: Daina Mežecka").click()
    # The question page replaces the host page (framed, it could not show at all).
    await page.wait_for_url(f"{site.directory}/reveal/**")
    await answer_in_latvian(page)
    assert await page.locator("a.kontakt-mailto").get_attribute("href") == (
        "mailto:daina@norden.lv"
    )
    await page.get_by_role("link", name=f"Atpakaļ uz {site.host.split('//')[1]}").click()
    await page.wait_for_url(host_page)
    await context.close()


async def test_a_way_back_only_to_a_listed_site(start_site: StartSite) -> None:
    site = await start_site()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{site.directory}/v1/widget/for-in") as answer:
            card = next(c for c in (await answer.json())["cards"] if c["has_email"])
        for back, shown in (
            (f"{site.host}/kontakti?x=1", True),
            ("https://evil.example/phish", False),
            ("javascript:alert(1)", False),
        ):
            async with http.get(card["reveal_url"] + "&" + urlencode({"back": back})) as page:
                text = await page.text()
            assert (f'href="{site.host}/kontakti?x=1"' in text) is shown, back
            assert "evil.example" not in text
            assert "javascript:" not in text


async def test_the_iframe_fits_its_cards_and_nothing_scrolls_sideways_on_a_phone(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site()
    context = await browser.new_context(viewport={"width": 375, "height": 700})
    page = await context.new_page()
    await page.goto(f"{site.host}/?lang=lt")
    frame = next(f for f in page.frames if "/embed/" in f.url)
    await frame.locator(".kontakt-card").first.wait_for()
    content = await frame.evaluate("() => document.documentElement.scrollHeight")
    assert content > 600  # twelve cards need more than the snippet's 600 px on a phone
    iframe = page.locator("iframe")
    # The frame grew to its content (widget.js on the host page, told by postMessage)...
    await page.wait_for_function(
        "h => Math.abs(document.querySelector('iframe').clientHeight - h) <= 2", arg=content
    )
    # ...so the frame has nothing left to scroll, and neither page scrolls sideways.
    assert await frame.evaluate("() => document.scrollingElement.scrollTop") == 0
    assert await frame.evaluate(NO_SIDEWAYS)
    assert await page.evaluate(NO_SIDEWAYS)
    box = await iframe.bounding_box()
    assert box is not None
    assert box["width"] <= 375
    # Every card of the custom element fits the phone's width too.
    edges = await page.locator("kontakt-contacts .kontakt-card").evaluate_all(
        "cards => cards.map(c => c.getBoundingClientRect().right)"
    )
    assert edges
    assert max(edges) <= 375
    await context.close()


# Post a height message from the host page itself; resolve once the page's listeners had it.
HANDLED_FORGED_HEIGHT = """() => new Promise((handled) => {
  window.addEventListener("message", function heard(event) {
    if (event.data && event.data.kontakt === "height" && event.data.height === 5) {
      window.removeEventListener("message", heard);
      handled();
    }
  });
  window.postMessage({ kontakt: "height", height: 5 }, location.origin);
})"""


async def test_a_message_from_another_origin_does_not_resize_the_frame(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site()
    page = await browser.new_page()
    await page.goto(f"{site.host}/?lang=et")
    frame = next(f for f in page.frames if "/embed/" in f.url)
    await frame.locator(".kontakt-card").first.wait_for()
    await page.wait_for_function("() => document.querySelector('iframe').clientHeight > 600")
    before = await page.locator("iframe").evaluate("f => f.clientHeight")
    # The host page itself (not the directory) posting a height is ignored. A listener added
    # now hears the message after widget.js's own (added at its start): then it was handled.
    await page.evaluate(HANDLED_FORGED_HEIGHT)
    assert await page.locator("iframe").evaluate("f => f.clientHeight") == before
    await page.close()


async def test_the_reveal_announcement_is_for_screen_readers_and_links_are_one_kind(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site(reveal_limit=100)
    context = await browser.new_context(viewport={"width": 375, "height": 740})
    page = await context.new_page()
    await page.goto(f"{site.host}/?member=lv&lang=lv")
    widget = page.locator("kontakt-contacts")
    frame = next(f for f in page.frames if "/embed/" in f.url)
    forms = (widget, page.locator("#fragment"), frame.locator("body"))
    for scope in forms:
        await scope.locator("button.kontakt-reveal").first.click()
        live = scope.locator(".kontakt-live", has_text="E-pasta adrese parādīta")
        await live.wait_for(state="attached")
        # Said to screen readers (a status region), not shown on screen: a clipped pixel.
        assert await live.get_attribute("role") == "status"
        box = await live.bounding_box()
        assert box is not None
        assert box["width"] <= 1
        assert box["height"] <= 1
        assert await live.evaluate(HIDDEN), "the announcement's text spills onto the page"
    await shot(page, "widget-375", widget)
    # "Add to contacts" and the QR code are links on every card, in all three forms.
    for scope in forms:
        cards = await scope.locator(".kontakt-card").count()
        assert cards > 0
        assert await scope.locator("a.kontakt-vcard").count() == cards
        assert await scope.locator("button.kontakt-vcard").count() == 0
        assert await scope.locator("a.kontakt-qr").count() == cards
        assert await scope.locator("a.kontakt-all-vcf").count() == 1
    await context.close()


async def test_a_card_links_its_qr_code_and_the_widget_the_whole_network_as_a_vcf(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site()
    page = await browser.new_page()
    await page.goto(f"{site.host}/?member=lt&lang=lt")
    widget = page.locator("kontakt-contacts")
    qr = widget.get_by_role("link", name="Kontakto Vida Gintautaitė QR kodas")
    response = await page.context.request.get(await qr.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    everything = widget.get_by_role("link", name="Visi šie kontaktai viename faile (.vcf)")
    response = await page.context.request.get(await everything.get_attribute("href") or "")
    assert response.status == 200
    text = await response.text()
    names = {card.fn.value for card in vobject.readComponents(text)}
    shown = set(await widget.locator(".kontakt-name").all_text_contents())
    assert names == shown
    assert not harvest(text) & set(DEMO_EMAILS)
    await page.close()


async def columns(page: Page, value: str) -> int:
    """How many columns the custom element's grid has with `--kontakt-columns: value`."""
    await page.locator("kontakt-contacts").evaluate(
        "(el, v) => el.style.setProperty('--kontakt-columns', v)", value
    )
    tracks = await page.locator("kontakt-contacts .kontakt-cards").evaluate(
        "ul => getComputedStyle(ul).gridTemplateColumns"
    )
    return len(str(tracks).split())


async def test_kontakt_columns_is_a_column_count(browser: Browser, start_site: StartSite) -> None:
    site = await start_site()
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.goto(f"{site.host}/?lang=lt")
    await page.locator("kontakt-contacts .kontakt-card").first.wait_for()
    await shot(page, "widget-desktop", page.locator("kontakt-contacts"))
    assert [await columns(page, n) for n in ("1", "2", "3")] == [1, 2, 3]
    # A value that is no column count (README: an <integer> of at least 1) is ignored: the
    # default (as many as fit) holds, never one column.
    default = await columns(page, "12")
    assert default > 3
    for wrong in ("abc", "2.5", "0", "-3", "2px", "", "calc(1px)"):
        assert await columns(page, wrong) == default, wrong
    # So for the other typed properties: a card width or gap that is no length changes nothing.
    await page.locator("kontakt-contacts").evaluate(
        "el => { el.style.setProperty('--kontakt-card-width', 'wide');"
        " el.style.setProperty('--kontakt-gap', 'red'); }"
    )
    assert await columns(page, "12") == default
    await page.locator("kontakt-contacts").evaluate(
        "el => el.style.setProperty('--kontakt-accent', 'not-a-colour')"
    )
    accent = await page.locator("kontakt-contacts .kontakt-card a").first.evaluate(
        "a => getComputedStyle(a).color"
    )
    assert accent == "rgb(5, 80, 174)"  # the default #0550ae
    # On a phone, as many as fit: one.
    await page.set_viewport_size({"width": 375, "height": 700})
    assert await columns(page, "3") == 1
    assert await page.evaluate(NO_SIDEWAYS)
    await context.close()


async def test_the_widget_on_a_host_page_passes_axe_in_every_language_before_and_after_a_reveal(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site(reveal_limit=100)
    context = await browser.new_context(viewport={"width": 375, "height": 740}, bypass_csp=True)
    page = await context.new_page()
    found = {}
    for lang in ("en", "et", "lv", "lt"):
        await page.goto(f"{site.host}/?member=ee&lang={lang}")
        widget = page.locator("kontakt-contacts")
        await widget.locator(".kontakt-card").first.wait_for()
        found[lang, "shown"] = await axe_findings(page)
        await widget.locator("button.kontakt-reveal").first.click()
        await widget.locator("a.kontakt-mailto").first.wait_for()
        await page.locator("#fragment button.kontakt-reveal").first.click()
        await page.locator("#fragment a.kontakt-mailto").first.wait_for()
        found[lang, "revealed"] = await axe_findings(page)
        # The iframe's page on its own (axe does not enter a frame it was not put into).
        await page.goto(f"{site.directory}/embed/for-in?member=ee&lang={lang}")
        found[lang, "iframe"] = await axe_findings(page)
    assert not any(found.values()), found
    await context.close()
