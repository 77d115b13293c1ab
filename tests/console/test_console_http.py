"""The console's guards, seen from a plain HTTP client: CSRF, login CSRF, escaping, sessions."""

from __future__ import annotations

import re

import aiohttp
import pytest

from services.console.app import create_app as create_console
from tests.conftest import MakeAccount
from tests.support.sessions import signed_in
from tests.support.stack import Stack

pytestmark = pytest.mark.usefixtures("demo")


async def test_forms_without_the_csrf_token_change_nothing(stack: Stack, coordinator: str) -> None:
    client = await signed_in(stack, coordinator)
    try:
        body = {"family_name": "Põldsaar-Unikaalne", "networks": "ee", "published": "on"}
        async with client.post(f"{stack.console}/contacts/new", data=body) as refused:
            assert refused.status == 403
            assert "This form has expired" in await refused.text()
        async with client.get(f"{stack.directory}/v1/networks/ee/contacts?q=Unikaalne") as found:
            assert (await found.json())["items"] == []
    finally:
        await client.close()


async def test_a_latvian_console_shows_the_apis_refusals_in_latvian(
    stack: Stack, coordinator: str
) -> None:
    client = await signed_in(stack, coordinator, lang="lv")
    try:
        async with client.get(f"{stack.console}/lists") as page:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text())
        assert csrf is not None
        form = {"csrf": csrf.group(1), "slug": "Nav Labs!", "network": "ee", "lang": "lv"}
        form |= {"name": "Ziņas", "from_name": "Madis", "from_address": "zinas@example.ee"}
        async with client.post(f"{stack.console}/lists", data=form) as refused:
            assert refused.status == 422
            page_text = await refused.text()
        # The mailing service's field message, asked for in the console's language.
        assert "āsastāv no mazajiem burtiem, cipariem un atsevišķām defisēm" in page_text
        assert "must be lower-case" not in page_text
    finally:
        await client.close()


async def test_a_session_cannot_be_started_from_another_site(
    stack: Stack, coordinator: str
) -> None:
    async with aiohttp.ClientSession() as client:
        for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
            async with client.post(
                f"{stack.console}/signin",
                data={"token": coordinator},
                headers=headers,
                allow_redirects=False,
            ) as response:
                assert response.status == 403
                assert "kontakt_console" not in response.cookies


async def test_a_forged_or_missing_cookie_is_sent_to_sign_in(stack: Stack) -> None:
    forged = {"kontakt_console": "forged.cookie"}
    async with (
        aiohttp.ClientSession(cookies=forged) as client,
        client.get(f"{stack.console}/lists", allow_redirects=False) as response,
    ):
        assert response.status == 303
        assert response.headers["Location"] == "/signin?next=/lists"


async def test_hostile_names_are_escaped_everywhere(
    stack: Stack, coordinator: str, make_account: MakeAccount
) -> None:
    hostile = '<img src=x onerror=alert(1)>"Mežecka'
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {coordinator}"}) as api:
        body = {"given_name": hostile, "family_name": "Kisevičienė", "networks": ["ee"]}
        async with api.post(f"{stack.directory}/v1/contacts", json=body) as created:
            assert created.status == 201
            contact = (await created.json())["id"]
    client = await signed_in(stack, coordinator)
    try:
        for path in ("/contacts", f"/contacts/{contact}"):
            async with client.get(f"{stack.console}{path}") as page:
                html = await page.text()
                assert "<img src=x" not in html
                assert "&lt;img src=x onerror=alert(1)&gt;" in html
                assert "script-src 'self'" in page.headers["Content-Security-Policy"]
                assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    finally:
        await client.close()


async def test_a_revoked_token_ends_the_session(
    stack: Stack, coordinator: str, make_account: MakeAccount
) -> None:
    client = await signed_in(stack, coordinator)
    _, admin = await make_account("admin@example.ee", admin=True)
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {admin}"}) as api:
            async with api.get(f"{stack.directory}/v1/accounts") as accounts:
                mine = next(
                    a for a in (await accounts.json())["items"] if a["email"].startswith("madis")
                )
            async with api.get(f"{stack.directory}/v1/accounts/{mine['id']}/tokens") as tokens:
                token_id = (await tokens.json())["items"][0]["id"]
            async with api.delete(f"{stack.directory}/v1/tokens/{token_id}") as revoked:
                assert revoked.status == 204
        async with client.get(f"{stack.console}/contacts", allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/signin"
    finally:
        await client.close()


async def test_every_console_form_needs_a_session_and_its_csrf_token(
    stack: Stack, coordinator: str
) -> None:
    """Generated from the console's routes, so a new form cannot escape the guard."""
    app = create_console(stack.settings)
    posts = sorted(
        {
            r.resource.canonical
            for r in app.router.routes()
            if r.method == "POST" and r.resource is not None
        }
    )
    assert len(posts) >= 15, posts
    client = await signed_in(stack, coordinator)
    try:
        async with aiohttp.ClientSession() as anonymous:
            for pattern in posts:
                path = re.sub(r"\{[^}]+\}", "1", pattern)
                async with anonymous.post(
                    f"{stack.console}{path}", data={"x": "1"}, allow_redirects=False
                ) as response:
                    if pattern.startswith("/signin"):
                        # Starting a session is the one thing a stranger may try.
                        assert response.status in (200, 303, 401, 403), pattern
                    else:
                        assert response.status == 303, pattern
                        assert response.headers["Location"].startswith("/signin"), pattern
                if not pattern.startswith("/signin"):
                    async with client.post(
                        f"{stack.console}{path}", data={"x": "1"}, allow_redirects=False
                    ) as response:
                        assert response.status == 403, pattern
    finally:
        await client.close()


async def test_a_large_photo_streams_through_the_console_uncounted(
    stack: Stack, coordinator: str
) -> None:
    """The upload is not held nor bounded by the console's body limit; photos never count."""
    assert stack.settings.max_body_bytes < 100_000  # far below the photo
    photo = "QUJD" * 300_000  # 1.2 MB of base64
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Jõemets;Viivian;;;\r\nFN:Viivian Jõemets\r\n"
        f"PHOTO;ENCODING=b;TYPE=JPEG:{photo}\r\nEND:VCARD\r\n"
    )
    client = await signed_in(stack, coordinator)
    try:
        async with client.get(f"{stack.console}/contacts/import") as page:
            found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
            assert found is not None
        form = aiohttp.FormData()
        form.add_field("csrf", found.group(1))
        form.add_field("network", "ee")
        form.add_field("file", card.encode(), filename="viivian.vcf", content_type="text/vcard")
        async with client.post(f"{stack.console}/contacts/import", data=form) as answer:
            text = await answer.text()
            assert answer.status == 200, text
        assert re.search(r'data-count="created">1<', text)
        assert "Not kept: Photo" in text
        forged = aiohttp.FormData()
        forged.add_field("csrf", "not-the-token")
        forged.add_field("file", card.encode(), filename="viivian.vcf", content_type="text/vcard")
        async with client.post(f"{stack.console}/contacts/import", data=forged) as refused:
            assert refused.status == 403
    finally:
        await client.close()


async def test_a_campaign_paused_by_a_sender_refusal_shows_why(
    stack: Stack, coordinator: str
) -> None:
    import asyncpg

    client = await signed_in(stack, coordinator)
    bearer = {"Authorization": f"Bearer {coordinator}"}
    try:
        lists = f"{stack.mailing}/v1/lists"
        new_list = {
            "slug": "ee-peatatud",
            "network": "ee",
            "lang": "et",
            "names": {"et": "Peatatud"},
            "from_name": "Madis",
            "from_address": "uudised@example.ee",
        }
        async with client.post(lists, json=new_list, headers=bearer) as made:
            assert made.status == 201
        async with client.post(
            f"{lists}/ee-peatatud/campaigns", json={"subject": "S", "body": "B"}, headers=bearer
        ) as made:
            campaign = (await made.json())["id"]
        # What the worker writes when the server refuses the sender (set up directly here).
        conn = await asyncpg.connect(stack.settings.database_url)
        try:
            await conn.execute(
                "UPDATE mailing.campaigns SET status = 'paused', started_at = now(), "
                "paused_reason = '550 5.4.5 Daily <quota> exceeded (at MAIL)' WHERE id = $1",
                campaign,
            )
        finally:
            await conn.close()
        async with client.get(f"{stack.console}/campaigns/{campaign}") as page:
            html = await page.text()
        assert "550 5.4.5 Daily &lt;quota&gt; exceeded (at MAIL)" in html
        assert 'value="resume"' in html
    finally:
        await client.close()


async def test_the_sign_in_pages_speak_the_browsers_language_until_one_is_chosen(
    stack: Stack,
) -> None:
    """No cookie: the sign-in page is in the language Accept-Language prefers (Babel's
    negotiation, as the APIs' problem details); a language chosen in a form or a link wins,
    for the whole page (its title and header too), not only for the sentence it answers."""
    own = {"Sec-Fetch-Site": "same-origin"}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client:
        latvian = {"Accept-Language": "lv-LV,lv;q=0.9,en-US;q=0.8,en;q=0.7"}
        async with client.get(f"{stack.console}/signin", headers=latvian) as page:
            text = await page.text()
        assert '<html lang="lv">' in text
        assert "<h1>Pieteikties</h1>" in text
        assert "Kontakt konsole</title>" in text
        assert '<option value="lv" selected>' in text
        # A language none of ours, then Lithuanian at a lower weight: Lithuanian.
        async with client.get(
            f"{stack.console}/signin", headers={"Accept-Language": "fr-CH, fr;q=0.9, lt;q=0.5"}
        ) as page:
            assert "<h1>Prisijungti</h1>" in await page.text()
        # The link's ?lang= beats the browser's language.
        async with client.get(
            f"{stack.console}/signin/link?code=x&lang=et", headers=latvian
        ) as page:
            assert '<html lang="et">' in await page.text()
        # The language chosen in the form is the whole answer's, whatever the browser says.
        async with client.post(
            f"{stack.console}/signin/email",
            data={"email": "nobody@example.org", "lang": "lt"},
            headers=own | latvian,
        ) as page:
            text = await page.text()
        assert '<html lang="lt">' in text
        assert "Kontakt konsolė</title>" in text
        async with client.post(
            f"{stack.console}/signin", data={"token": "kt_wrong", "lang": "et"}, headers=own
        ) as page:
            assert page.status == 401
            text = await page.text()
        assert '<html lang="et">' in text
        assert "<h1>Logi sisse</h1>" in text


# The banner over every page when tokens end soon, by each language's plural rule (CLDR).
EXPIRING = {
    1: {
        "en": "1 token expires soon: phone 1. Make a new one",
        "lv": "1 atslēgai drīz beigsies derīgums: phone 1. Izveidojiet jaunu",
        "lt": "1 raktas netrukus baigs galioti: phone 1. Susikurkite naują",
        "et": "1 võti aegub peagi: phone 1. Tehke uus",
    },
    2: {
        "en": "2 tokens expire soon: ",
        "lv": "2 atslēgām drīz beigsies derīgums: ",
        "lt": "2 raktai netrukus baigs galioti: ",
        "et": "2 võtit aegub peagi: ",
    },
    10: {"lv": "10 atslēgām drīz", "lt": "10 raktų netrukus", "en": "10 tokens expire soon"},
}


async def test_the_expiring_tokens_banner_counts_by_the_languages_plural_rule(
    stack: Stack, coordinator: str
) -> None:
    bearer = {"Authorization": f"Bearer {coordinator}"}
    async with aiohttp.ClientSession(headers=bearer) as api:
        async with api.get(f"{stack.directory}/v1/me") as me:
            path = f"{stack.directory}/v1/accounts/{(await me.json())['id']}/tokens"
        made = 0
        for count, expected in EXPIRING.items():
            while made < count:
                made += 1
                body = {"kind": "read", "name": f"phone {made}", "expires_in_days": 3}
                async with api.post(path, json=body) as answer:
                    assert answer.status == 201
            for lang, text in expected.items():
                client = await signed_in(stack, coordinator, lang=lang)
                try:
                    async with client.get(f"{stack.console}/organisations") as page:
                        banner = re.search(
                            r'class="error expiring-tokens"[^>]*><a[^>]*>([^<]*)<',
                            await page.text(),
                        )
                finally:
                    await client.close()
                assert banner is not None, (count, lang)
                assert banner.group(1).startswith(text), (count, lang, banner.group(1))


async def test_a_form_the_console_cannot_act_on_is_answered_in_the_coordinators_language(
    stack: Stack, coordinator: str
) -> None:
    client = await signed_in(stack, coordinator, lang="lt")
    try:
        async with client.get(f"{stack.console}/lists") as page:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text())
        assert csrf is not None
        async with client.post(
            f"{stack.console}/lists/ee-uudised/members/1",
            data={"csrf": csrf[1], "action": "explode"},
            headers={"Accept-Language": "en"},
        ) as refused:
            assert refused.status == 400
            text = await refused.text()
    finally:
        await client.close()
    assert '<html lang="lt">' in text
    assert "Nežinomas veiksmas." in text
