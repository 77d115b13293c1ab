"""Mail every server accepts: internationalised addresses, long links and Baltic names,
through a relay without SMTPUTF8 or 8BITMIME, for campaigns, test sends and confirmations.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.mailing import Mailing, StartMailing
from tests.support.newsletters import people
from tests.support.smtp import Received, Recorder, smtp_server

pytestmark = pytest.mark.usefixtures("demo")

LV_LIST: dict[str, Any] = {
    "slug": "lv-zinas",
    "network": "lv",
    "lang": "lv",
    "names": {"lv": "Latvijas ziņu lapa", "en": "Latvia newsletter"},
    "from_name": "Daina Mežecka",
    "from_address": "zinas@example.lv",
}
LINK = "https://for-in.example/zinas?" + "&".join(f"tema{i}=integracija" for i in range(110))


async def lv_tokens(make_account: MakeAccount) -> str:
    """A Latvian coordinator who may manage lists and send."""
    _, token = await make_account(
        "lv@example.lv", permissions={"lv": ("manage_lists", "send_campaigns")}
    )
    return token


async def arrived(recorder: Recorder, count: int, seconds: float = 30) -> list[Received]:
    """Wait until the server took `count` messages."""
    deadline = time.monotonic() + seconds
    while len(recorder.received) < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    assert len(recorder.received) >= count, recorder.received
    return recorder.received


async def test_a_campaign_to_a_7bit_relay_reaches_idn_addresses_with_exact_headers(
    start_mailing: StartMailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    async with smtp_server(smtputf8=False, eightbit=False) as relay:
        mailing = await start_mailing(smtp_url=relay.url())
        token = await lv_tokens(make_account)
        assert (await mailing.api.as_(token).post("/v1/lists", json=LV_LIST)).status == 201
        await people(
            conn,
            "lv-zinas",
            [
                ("ieva@example.lv", "Ieva Raubiško", "confirmed"),
                ("liga@piemērs.lv", "Līga Ozola", "confirmed"),
                ("jānis@piemērs.lv", "Jānis Bērziņš", "confirmed"),
            ],
        )
        created = await mailing.api.as_(token).post(
            "/v1/lists/lv-zinas/campaigns",
            json={"subject": "Ziņas, {name}: integrācija", "body": f"Sveiki!\n\n[Lasīt]({LINK})"},
        )
        campaign = created.json["id"]
        assert (await mailing.api.as_(token).post(f"/v1/campaigns/{campaign}/send")).status == 202
        done = await wait_done(mailing, token, campaign)
        assert done["progress"]["sent"] == 2
        assert done["progress"]["failed"] == 1
        reason = await conn.fetchval(
            "SELECT last_error FROM mailing.deliveries WHERE status = 'failed'"
        )
        assert "SMTPUTF8" in reason
        received = {m.rcpt_to[0]: m for m in relay.handler.received}
        assert sorted(received) == ["ieva@example.lv", "liga@xn--piemrs-s3a.lv"]
        for address, name in [
            ("ieva@example.lv", "Ieva Raubiško"),
            ("liga@xn--piemrs-s3a.lv", "Līga Ozola"),
        ]:
            message = received[address].parsed()
            assert received[address].raw.isascii()
            assert message["Subject"] == f"Ziņas, {name}: integrācija"
            assert message["From"].addresses[0].display_name == "Daina Mežecka"
            assert message["List-Id"] == "Latvijas ziņu lapa <lv-zinas.example.lv>"
            assert message["To"] == address
            assert str(message["Date"]).endswith("+0000")
            html = message.get_body(("html",))
            assert html is not None
            assert f'href="{LINK.replace("&", "&amp;")}"' in html.get_content()


async def test_a_test_send_and_a_confirmation_reach_an_idn_address_without_smtputf8(
    start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    async with smtp_server(smtputf8=False, eightbit=False) as relay:
        mailing = await start_mailing(smtp_url=relay.url())
        token = await lv_tokens(make_account)
        await mailing.api.as_(token).post("/v1/lists", json=LV_LIST)
        subscribed = await mailing.api.post(
            "/v1/lists/lv-zinas/subscribe", json={"email": "liga@piemērs.lv", "name": "Līga"}
        )
        assert subscribed.status == 202
        [confirmation] = await arrived(relay.handler, 1)
        assert confirmation.rcpt_to == ["liga@xn--piemrs-s3a.lv"]
        assert confirmation.parsed()["Subject"].startswith("Lūdzu")
        campaign = (
            await mailing.api.as_(token).post(
                "/v1/lists/lv-zinas/campaigns", json={"subject": "Ziņas", "body": "Sveiki!"}
            )
        ).json["id"]
        tested = await mailing.api.as_(token).post(
            f"/v1/campaigns/{campaign}/test", json={"addresses": ["liga@piemērs.lv"]}
        )
        assert tested.status == 202
        test_mail = (await arrived(relay.handler, 2))[1]
        assert test_mail.rcpt_to == ["liga@xn--piemrs-s3a.lv"]
        # A test send says so in the newsletter's language (Latvian here).
        assert test_mail.parsed()["Subject"] == "[TESTS] Ziņas"


async def test_braces_hold_name_and_nothing_else(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    """Anything in braces but exactly `{name}` is refused, naming what was found; what is
    accepted goes out with every brace filled (subject, text and HTML)."""
    token = await lv_tokens(make_account)
    await mailing.api.as_(token).post("/v1/lists", json=LV_LIST)
    refused_pieces = [
        "{vārds}",  # Unicode letters
        "{Vārds}",
        "{Name}",  # case
        "{x_1}",  # digits and underscores
        "{ vards }",  # spaces
        "{ name }",
        "{{name}}",  # doubled braces
        "{name}}",
        "{}",
        "{ 2026 }",
        "&#123;vards&#125;",  # braces the reader would see
        "\\{vards\\}",
    ]
    for piece in refused_pieces:
        for field in ("subject", "body"):
            content = {"subject": "Ziņas", "body": "Sveiki!", field: f"Sveiki, {piece}!"}
            refused = await mailing.api.as_(token).post(
                "/v1/lists/lv-zinas/campaigns", json=content
            )
            if field == "subject" and piece.startswith("&"):
                assert refused.status == 201, (piece, refused.json)  # a subject is not Markdown
                continue
            assert refused.status == 422, (piece, field)
            assert refused.problem_fields() == [field]
            [error] = refused.json["errors"]
            assert "{name} is the only placeholder" in error["message"], error
            shown = piece.replace("&#123;", "{").replace("&#125;", "}").replace("\\", "")
            # Named as written, or (in the body) as the reader would see it.
            assert shown in error["message"] or piece.lstrip("\\") in error["message"], error
    # Unclosed braces: named with the word beside them.
    for body, found in [("Sveiki, {name!", "{name!"), ("Sveiki, name}!", "name}"), ("{", "{")]:
        refused = await mailing.api.as_(token).post(
            "/v1/lists/lv-zinas/campaigns", json={"subject": "S", "body": body}
        )
        assert refused.status == 422, body
        assert found in refused.json["errors"][0]["message"]
    for field, content in [
        # The placeholder as a translated help text once showed it: it would go out literally.
        ("body", {"subject": "S", "body": "Sveiki, %(name)s!"}),
        ("subject", {"subject": "%(name)s, ziņas", "body": "x"}),
    ]:
        refused = await mailing.api.as_(token).post("/v1/lists/lv-zinas/campaigns", json=content)
        assert refused.status == 422
        assert refused.problem_fields() == [field]
    # In Latvian, with the piece named as written.
    latvian = await mailing.api.as_(token).post(
        "/v1/lists/lv-zinas/campaigns",
        json={"subject": "Sveiki, {Vārds}", "body": "x"},
        headers={"Accept-Language": "lv"},
    )
    assert "{Vārds}" in latvian.json["errors"][0]["message"]
    assert "{name}" in latvian.json["errors"][0]["message"]
    assert "placeholder" not in latvian.json["errors"][0]["message"]
    kept = await mailing.api.as_(token).post(
        "/v1/lists/lv-zinas/campaigns",
        json={
            "subject": "{name}, ziņas",
            "body": "# Sveiki, {name}!\n\n*{name}*, `{name}` 50%(approx) off",
        },
    )
    assert kept.status == 201
    preview = await mailing.api.as_(token).get(f"/v1/campaigns/{kept.json['id']}/preview?name=Līga")
    html = re.sub(r"<style.*?</style>", "", preview.json["html"], flags=re.S)
    for part in (preview.json["subject"], preview.json["text"], html):
        assert "{" not in part, part
        assert "}" not in part, part
        assert "Līga" in part
