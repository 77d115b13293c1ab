"""A host site's visitor in the browser: the network down, the reveal question answered."""

from __future__ import annotations

import re

from playwright.async_api import Page, Route


async def unreachable(route: Route) -> None:
    """The network between the visitor and Kontakt is down."""
    await route.abort("internetdisconnected")


async def answer_in_latvian(page: Page) -> None:
    """Answer the no-JS reveal page's question, asked in Latvian words."""
    question = await page.locator("label[for=answer]").text_content()
    assert question is not None
    assert "cik ir" in question
    words = ("viens", "divi", "trīs", "četri", "pieci", "seši", "septiņi", "astoņi", "deviņi")
    a, b = re.findall(r"cik ir (\S+) plus (\S+)\?", question)[0]
    await page.fill("#answer", str(words.index(a) + words.index(b) + 2))
    await page.get_by_role("button", name="Rādīt adresi").click()
