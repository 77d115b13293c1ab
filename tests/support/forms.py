"""The public subscribe form, filled in as a person does."""

from __future__ import annotations

import re

from tests.support.mailing import Mailing


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of a page's form."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


async def subscribe_by_form(mailing: Mailing, slug: str, email: str, lang: str = "et") -> str:
    """Fill in and send the public form, as a person does."""
    page = await mailing.api.get(f"/subscribe/{slug}?lang={lang}")
    assert page.status == 200
    fields = form_fields(page.text) | {"email": email, "name": "Žydrūnė Jõemets", "website": ""}
    answer = await mailing.api.post(f"/subscribe/{slug}", data=fields)
    assert answer.status == 200
    await mailing.settle()  # the confirmation, if one is owed, leaves through the outbox
    return answer.text


def form_token(page: str) -> str:
    """The hosted form's token in a page."""
    marker = 'name="form_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]
