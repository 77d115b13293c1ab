"""Mail every server accepts: internationalised addresses, long links and Baltic names,
through a relay without SMTPUTF8 or 8BITMIME, for campaigns, test sends and confirmations.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.mailing.test_campaigns import people, wait_done
from tests.support.mailing import Mailing, StartMailing
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


async def test_an_unknown_placeholder_is_refused_when_saved(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    token = await lv_tokens(make_account)
    await mailing.api.as_(token).post("/v1/lists", json=LV_LIST)
    for field, content in [
        ("subject", {"subject": "Sveiki, {vards}", "body": "x"}),
        ("body", {"subject": "S", "body": "Sveiki, {first_name}!"}),
        # The placeholder as a translated help text once showed it: it would go out literally.
        ("body", {"subject": "S", "body": "Sveiki, %(name)s!"}),
        ("subject", {"subject": "%(name)s, ziņas", "body": "x"}),
    ]:
        refused = await mailing.api.as_(token).post("/v1/lists/lv-zinas/campaigns", json=content)
        assert refused.status == 422
        assert refused.problem_fields() == [field]
    # Braces that are not a placeholder are text.
    kept = await mailing.api.as_(token).post(
        "/v1/lists/lv-zinas/campaigns",
        json={"subject": "{ 2026 }", "body": "{name} { x } 50%(approx) off"},
    )
    assert kept.status == 201
