"""The widget as a person and as a harvester meet it, in a real Chromium."""

from __future__ import annotations

import aiohttp
import asyncpg
import pytest
import vobject
from playwright.async_api import Browser, Frame, Page, expect

from tests.conftest import DEMO_EMAILS
from tests.support.harvesters import harvest
from tests.support.site import StartSite
from tests.support.visitors import answer_in_latvian

pytestmark = pytest.mark.usefixtures("demo")

SERIALIZE = """() => {
  const parts = [document.documentElement.outerHTML, document.body.innerText];
  const walk = (root) => root.querySelectorAll('*').forEach((el) => {
    if (!el.shadowRoot) return;
    parts.push(el.shadowRoot.innerHTML, el.shadowRoot.textContent);
    walk(el.shadowRoot);
  });
  walk(document);
  return parts.join('\\n');
}"""

ACTIVE = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el ? [el.tagName, el.className, el.textContent] : null;
}"""


async def rendered(page: Page) -> str:
    """The page after scripts ran: DOM, shadow roots and every frame."""
    await page.wait_for_load_state("networkidle")
    await page.locator("kontakt-contacts .kontakt-card").first.wait_for()
    texts = [await page.evaluate(SERIALIZE)]
    for frame in page.frames:
        texts.append(await frame.content())
    return "\n".join(texts)


async def test_l3_harvester_finds_nothing_after_scripts_ran(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site()
    page = await browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    for lang in ("en", "et", "lv", "lt"):
        await page.goto(f"{site.host}/?lang={lang}")
        text = await rendered(page)
        assert "Kisevičienė" in text  # the cards are there
        assert not harvest(text) & set(DEMO_EMAILS)
    assert not any("/v1/reveal" in url for url in requests), "something revealed without a person"
    await page.close()


async def reveal_all(page: Page | Frame, scope: str) -> set[str]:
    """Click every reveal button in `scope` and return the mailto addresses that appear."""
    buttons = page.locator(f"{scope} button.kontakt-reveal")
    remaining = await buttons.count()
    while remaining:
        await buttons.first.click()
        remaining -= 1
        await expect(buttons).to_have_count(remaining)
    hrefs = await page.locator(f"{scope} a.kontakt-mailto").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return {h.removeprefix("mailto:") for h in hrefs}


async def test_a_person_reveals_every_address_by_clicking_in_all_three_forms(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site(reveal_limit=100)
    page = await browser.new_page()
    await page.goto(f"{site.host}/?lang=en")
    await page.locator("kontakt-contacts .kontakt-card").first.wait_for()
    assert await reveal_all(page, "kontakt-contacts") == set(DEMO_EMAILS)
    assert await reveal_all(page, "#fragment") == set(DEMO_EMAILS)
    frame = page.frame_locator("iframe")
    await frame.locator("button.kontakt-reveal").first.wait_for()
    iframe = next(f for f in page.frames if "/embed/" in f.url)
    assert await reveal_all(iframe, "body") == set(DEMO_EMAILS)
    live = await page.locator("kontakt-contacts .kontakt-live").all_text_contents()
    assert "E-mail address of Vida Gintautaitė shown" in live
    await page.close()


async def test_a_person_reveals_every_address_with_the_keyboard_alone(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site(reveal_limit=100)
    page = await browser.new_page()
    await page.goto(f"{site.host}/?lang=et")
    await page.locator("kontakt-contacts button.kontakt-reveal").first.wait_for()
    revealed = 0
    for _ in range(300):
        await page.keyboard.press("Tab")
        active = await page.evaluate(ACTIVE)
        if active and active[0] == "IFRAME":
            break
        if active and active[0] == "BUTTON" and "kontakt-reveal" in active[1]:
            assert active[2] == "Näita e-posti aadressi"
            await page.keyboard.press("Enter")
            await page.wait_for_function(f"() => ({ACTIVE})()[1] === 'kontakt-mailto'")
            revealed += 1
    shown = await page.locator("kontakt-contacts a.kontakt-mailto").all_text_contents()
    assert revealed == len(DEMO_EMAILS)
    assert set(shown) == set(DEMO_EMAILS)
    await page.close()


async def test_without_javascript_a_question_page_gives_the_address(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site()
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{site.directory}/embed/for-in?member=lv&lang=lv")
    await page.get_by_role("link", name="Rādīt e-pasta adresi: Daina Mežecka").click()
    await answer_in_latvian(page)
    link = page.locator("a.kontakt-mailto")
    assert await link.get_attribute("href") == "mailto:daina@norden.lv"
    assert await page.get_by_text("Pievienot kontaktiem (ar e-pastu)").count() == 1
    await context.close()


async def test_past_the_limit_the_widget_says_so_in_the_page_language(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site(reveal_limit=2)
    page = await browser.new_page()
    await page.goto(f"{site.host}/?lang=lv")
    buttons = page.locator("kontakt-contacts button.kontakt-reveal")
    await buttons.first.wait_for()
    await buttons.nth(0).click()
    await page.locator("kontakt-contacts a.kontakt-mailto").nth(0).wait_for()
    await buttons.nth(0).click()
    await page.locator("kontakt-contacts a.kontakt-mailto").nth(1).wait_for()
    await buttons.nth(0).click()
    message = page.locator("kontakt-contacts .kontakt-error")
    await message.first.wait_for()
    assert "Pārāk daudz pieprasījumu" in (await message.first.text_content() or "")
    assert await page.locator("kontakt-contacts a.kontakt-mailto").count() == 2
    await page.close()


async def test_a_hostile_name_shows_as_text(
    browser: Browser, start_site: StartSite, conn: asyncpg.Connection
) -> None:
    contact_id = await conn.fetchval(
        "INSERT INTO contacts (display_name, position) VALUES ($1, 0) RETURNING id",
        "<img src=x onerror=alert(1)>",
    )
    ee = await conn.fetchval("SELECT id FROM networks WHERE slug = 'ee'")
    await conn.execute("INSERT INTO memberships VALUES ($1, $2, 'member')", contact_id, ee)
    site = await start_site()
    page = await browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await page.goto(f"{site.host}/?member=ee")
    name = page.locator("kontakt-contacts .kontakt-name").first
    await name.wait_for()
    assert await name.text_content() == "<img src=x onerror=alert(1)>"
    assert (
        await page.locator("#fragment .kontakt-name").first.text_content()
        == "<img src=x onerror=alert(1)>"
    )
    assert await page.locator("kontakt-contacts img, #fragment img").count() == 0
    assert dialogs == []
    await page.close()


async def test_add_to_contacts_gives_a_card_with_the_email(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site()
    context = await browser.new_context(accept_downloads=True)
    page = await context.new_page()
    await page.goto(f"{site.host}/?member=lt")
    button = page.locator("#custom-element").get_by_role(
        "link", name="Add to contacts: Vida Gintautaitė"
    )
    await button.wait_for()
    async with page.expect_download() as download_info:
        await button.click()
    download = await download_info.value
    assert download.suggested_filename == "Vida Gintautaitė.vcf"
    path = await download.path()
    card = vobject.readOne(path.read_text(encoding="utf-8"))
    assert card.fn.value == "Vida Gintautaitė"
    assert card.email.value == "vida@norden.lt"
    await context.close()


async def test_l3_harvester_following_add_to_contacts_links_finds_nothing(
    browser: Browser, start_site: StartSite
) -> None:
    site = await start_site()
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{site.directory}/embed/for-in")
    links = await page.locator("a.kontakt-vcard").evaluate_all("as => as.map(a => a.href)")
    assert len(links) == 12
    request = page.context.request
    for link in links:
        response = await request.get(link)
        assert response.status == 200
        assert not harvest(await response.text()) & set(DEMO_EMAILS), link
    await context.close()


HARVEST = """async ([directory, tokens]) => {
  const found = [];
  try {
    await (await fetch(directory + "/v1/widget/for-in")).json();
    found.push("read the widget");
  } catch (e) {}
  for (const token of tokens) {
    try {
      const answer = await fetch(directory + "/v1/reveal", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({token: token})});
      found.push(await answer.text());
    } catch (e) {}
    // Without a preflight: the answer is opaque, but the request reaches the directory.
    await fetch(directory + "/v1/reveal", {
      method: "POST", mode: "no-cors", body: JSON.stringify({token: token})});
  }
  return found;
}"""


async def test_a_site_nobody_listed_harvests_nothing_through_its_visitors(
    browser: Browser, start_site: StartSite, conn: asyncpg.Connection
) -> None:
    """Issue 14, item 2: a page elsewhere scripting reveals from each visitor's browser."""
    site = await start_site(embedded=False)
    # The harvester's server reads the widget itself, so its page holds every token.
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{site.directory}/v1/widget/for-in") as answer,
    ):
        tokens = [c["token"] for c in (await answer.json())["cards"] if c["has_email"]]
    assert tokens
    page = await browser.new_page()
    await page.goto(f"{site.host}/?lang=et")
    found = await page.evaluate(HARVEST, [site.directory, tokens])
    assert found == []
    assert not harvest(await page.content()) & set(DEMO_EMAILS)
    spent = await conn.fetchval(
        "SELECT coalesce(sum(hits), 0) FROM rate_limits WHERE bucket LIKE 'reveal:%'"
    )
    assert spent == 0  # no reveal was even counted: none was answered
    await page.close()
