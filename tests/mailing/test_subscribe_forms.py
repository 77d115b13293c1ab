"""A subscribe form pasted into a website: the list's key, its site only, its thank-you page."""

from __future__ import annotations

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.api import Reply
from tests.support.forms import form_token
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import EE_LIST, make_list

pytestmark = pytest.mark.usefixtures("demo")

SITE = "https://www.norden.ee"
THANKS = f"{SITE}/uudiskiri/aitah?allikas=vorm"


async def pasted_form(mailing: Mailing, make_account: MakeAccount) -> tuple[str, str]:
    """The list with its thank-you page registered; the manager's token and the form key."""
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    saved = await mailing.api.as_(token).patch(
        "/v1/lists/ee-uudised", json={"thank_you_url": THANKS}
    )
    assert saved.status == 200, saved.text
    assert saved.json["thank_you_url"] == THANKS
    key = (await mailing.api.as_(token).get("/v1/lists/ee-uudised")).json["form_key"]
    return token, key


async def post(mailing: Mailing, origin: str | None, **fields: str) -> Reply:
    """The pasted form, sent by a browser on `origin`."""
    headers = {"Origin": origin} if origin else {}
    return await mailing.api.post(
        "/subscribe/ee-uudised", data=fields, headers=headers, allow_redirects=False
    )


async def test_a_pasted_form_subscribes_and_lands_on_the_thank_you_page_whoever_it_is(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, key = await pasted_form(mailing, make_account)
    await conn.execute(
        "INSERT INTO mailing.suppressions (address, reason) VALUES ('gone@example.ee', 'manual')"
    )
    answers = []
    # New, the same again (pending), then confirmed, and suppressed: one answer for all.
    for email in ("Lugeja@example.ee", "lugeja@example.ee", "gone@example.ee"):
        answer = await post(mailing, SITE, form_key=key, email=email, name="Jaan Jõemets")
        answers.append((answer.status, answer.headers.get("Location"), answer.body))
    # A field naming another page changes nothing: only the registered page is ever used.
    odd = await post(
        mailing, SITE, form_key=key, email="x@example.ee", thank_you_url="https://evil.example"
    )
    answers.append((odd.status, odd.headers.get("Location"), odd.body))
    assert set(answers) == {(303, THANKS, b"")}
    await mailing.settle()
    assert [m.rcpt_to for m in mailing.sink.messages] == [["Lugeja@example.ee"], ["x@example.ee"]]
    await mailing.api.post(mailing.links("/confirm/")[0].split("?")[0], data={})
    again = await post(mailing, SITE, form_key=key, email="lugeja@example.ee")
    assert (again.status, again.headers.get("Location"), again.body) == (303, THANKS, b"")
    consent = await conn.fetchval(
        "SELECT consent->>'requested_via' FROM mailing.subscriptions s "
        "JOIN mailing.subscribers b ON b.id = s.subscriber_id WHERE b.email = 'x@example.ee'"
    )
    assert consent == "form"


async def test_a_pasted_form_is_refused_from_another_site_with_another_key_or_no_page(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    token, key = await pasted_form(mailing, make_account)
    other = await make_list(
        mailing, token, EE_LIST | {"slug": "ee-teated", "names": {"et": "Teated"}}
    )
    other_key = (await mailing.api.as_(token).get(f"/v1/lists/{other['slug']}")).json["form_key"]
    assert other_key != key
    for origin, given in (
        ("https://evil.example", key),  # another site's page posting to us
        ("null", key),  # a sandboxed or privacy-stripped page
        ("http://www.norden.ee", key),  # not even the same site over http
        (SITE, other_key),  # another list's key
        (SITE, "0" * 24),
        (SITE, ""),
    ):
        refused = await post(mailing, origin, form_key=given, email="lugeja@example.ee")
        assert refused.status == 403, (origin, given)
        assert "Kontakti konsool" in refused.text  # what the site's owner can do there
    # A list without a thank-you page takes no pasted form at all.
    refused = await mailing.api.post(
        f"/subscribe/{other['slug']}",
        data={"form_key": other_key, "email": "lugeja@example.ee"},
        headers={"Origin": SITE},
        allow_redirects=False,
    )
    assert refused.status == 403
    assert await conn.fetchval("SELECT count(*) FROM mailing.subscribers") == 0


async def test_a_mistyped_address_is_corrected_on_our_page_without_a_form_expired(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    _, key = await pasted_form(mailing, make_account)
    wrong = await post(
        mailing, SITE, form_key=key, email="lugeja@example", name="Jaan Jõemets", lang="et"
    )
    assert wrong.status == 422
    assert 'value="lugeja@example"' in wrong.text
    assert 'value="Jaan Jõemets"' in wrong.text
    # Corrected on our own page (its own token): accepted, no "form expired", and on to the
    # list's thank-you page as the pasted form would have gone.
    fixed = await mailing.api.post(
        "/subscribe/ee-uudised",
        data={"form_token": form_token(wrong.text), "email": "lugeja@example.ee", "lang": "et"},
        headers={"Origin": mailing.base},
        allow_redirects=False,
    )
    assert fixed.status == 303
    assert fixed.headers["Location"] == THANKS
    # The hosted form itself (not sent on from a pasted one) thanks on its own page.
    hosted = await mailing.api.get("/subscribe/ee-uudised?lang=et")
    own = await mailing.api.post(
        "/subscribe/ee-uudised",
        data={"form_token": form_token(hosted.text), "email": "teine@example.ee", "lang": "et"},
        headers={"Origin": mailing.base},
        allow_redirects=False,
    )
    assert own.status == 200
    assert "Aitäh!" in own.text


async def test_the_thank_you_page_must_be_a_web_page(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(mailing, token)
    for bad in (
        "javascript:alert(1)",
        "/aitah",
        "https://www.norden.ee/a b",
        "https://x\r\nSet: y",
    ):
        refused = await mailing.api.as_(token).patch(
            "/v1/lists/ee-uudised", json={"thank_you_url": bad}
        )
        assert refused.status == 422, bad
        assert refused.problem_fields() == ["thank_you_url"]
    cleared = await mailing.api.as_(token).patch(
        "/v1/lists/ee-uudised", json={"thank_you_url": None}
    )
    assert cleared.json["thank_you_url"] is None


async def test_pasted_forms_count_against_the_same_limit(
    start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    mailing = await start_mailing(subscribe_limit=2)
    _, key = await pasted_form(mailing, make_account)
    for n in range(2):
        assert (await post(mailing, SITE, form_key=key, email=f"a{n}@example.ee")).status == 303
    limited = await post(mailing, SITE, form_key=key, email="a3@example.ee", lang="et")
    assert limited.status == 429
    assert "Retry-After" in limited.headers
    # A way back to the site the person came from.
    assert f'<a href="{SITE}/">' in limited.text
    assert "Tagasi" in limited.text
