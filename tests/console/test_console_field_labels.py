"""A refusal names the field as the console's form labels it, in the coordinator's language."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from shared.i18n import translator
from tests.conftest import MakeAccount
from tests.support.stack import Stack, sign_in

pytestmark = pytest.mark.usefixtures("demo")

API_NAMES = ("embed_origins", "emails[", "thank_you_url", "subject:", "body:")


async def test_refusals_name_the_label_a_person_sees_never_the_api_field(
    page: Page, stack: Stack, make_account: MakeAccount
) -> None:
    _, admin = await make_account("admin@example.lv", admin=True)
    await sign_in(page, stack, admin, lang="lv")
    lv = translator("lv")
    # The embed builder's sites: beside the box (its label names it), the site refused.
    await page.goto(f"{stack.console}/embed?network=for-in")
    await page.locator("#origins").fill("javascript:alert(1)")
    await page.locator("form[action='/embed/origins'] button[type=submit]").click()
    alert = page.locator("section[aria-labelledby=origins-h] [role=alert]")
    refused = "javascript:alert(1): Jābūt * (jebkura vietne) vai vietnes adresei"
    await expect(alert).to_contain_text(refused)
    await expect(page.locator("#origins")).to_have_attribute("aria-invalid", "true")
    for name in API_NAMES:
        await expect(alert).not_to_contain_text(name)
    # A contact's second e-mail address: the list's label and which one, not emails[1].
    await page.goto(f"{stack.console}/contacts/new?network=lv")
    await page.locator("#given_name").fill("Ieva")
    await page.locator("#family_name").fill("Mežecka")
    await page.locator("#emails").fill("ieva@example.lv\nieva@")
    await page.get_by_role("button", name=lv.gettext("Save"), exact=True).click()
    error = page.locator(".error", has_text=lv.gettext("E-mail addresses"))
    await expect(error).to_contain_text(lv.gettext("E-mail addresses") + " 2:")
    for name in API_NAMES:
        await expect(page.locator("main")).not_to_contain_text(name)
