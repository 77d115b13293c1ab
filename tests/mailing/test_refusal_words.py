"""A refusal names a status in the reader's language, not the API's English value."""

from __future__ import annotations

import asyncpg
import pytest

from tests.conftest import MakeAccount
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, tokens

pytestmark = pytest.mark.usefixtures("demo")

# As the catalogs word them, written out here; the field names and values stay the API's.
CANNOT_PAUSE = {
    "en": "A campaign whose status is draft cannot be paused.",
    "et": "Kampaaniat olekus „mustand“ ei saa peatada.",
    "lv": "Kampaņu statusā „melnraksts“ nevar apturēt.",
    "lt": "Kampanijos, kurios būsena „juodraštis“, negalima pristabdyti.",
}
NO_FAILED = {
    "en": "A campaign whose status is draft has no failed deliveries to send again.",
    "et": "Kampaanial olekus „mustand“ pole ebaõnnestunud saatmisi, mida uuesti saata.",
    "lv": "Kampaņai statusā „melnraksts“ nav neizdevušos piegāžu, ko sūtīt vēlreiz.",
    "lt": "Kampanija, kurios būsena „juodraštis“, neturi nepavykusių pristatymų, kuriuos reikėtų "
    "siųsti iš naujo.",
}


async def test_a_refused_campaign_action_names_the_status_in_the_readers_language(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    _, sender = await tokens(make_account)
    api = mailing.api.as_(sender)
    assert (await api.post("/v1/lists", json=EE_LIST)).status == 201
    made = await api.post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "Uudised", "body": "…"}
    )
    assert made.status == 201, made.text
    campaign = made.json["id"]
    for lang in ("en", "et", "lv", "lt"):
        headers = {"Accept-Language": lang}
        paused = await api.post(f"/v1/campaigns/{campaign}/pause", headers=headers)
        assert paused.status == 409
        assert paused.json["detail"] == CANNOT_PAUSE[lang]
        resent = await api.post(f"/v1/campaigns/{campaign}/resend", headers=headers)
        assert resent.status == 409
        assert resent.json["detail"] == NO_FAILED[lang]


async def test_an_import_report_names_each_rejected_row_in_the_readers_language(
    mailing: Mailing, make_account: MakeAccount, conn: asyncpg.Connection
) -> None:
    _, sender = await tokens(make_account)
    api = mailing.api.as_(sender)
    assert (await api.post("/v1/lists", json=EE_LIST)).status == 201
    await conn.execute(
        "INSERT INTO mailing.suppressions (address, reason) VALUES ('keeld@example.ee', 'manual')"
    )
    report = await api.post(
        "/v1/lists/ee-uudised/import?consent=paberil",
        data=b"email,lang\r\nhea@example.ee,et\r\nhea@example.ee,et\r\nkeeld@example.ee,et\r\n"
        b"vale.example.ee,et\r\nkeel@example.ee,fi\r\n",
        headers={"Content-Type": "text/csv", "Accept-Language": "lv"},
    )
    assert report.status == 200, report.text
    assert report.json["rejected"] == [
        {"row": 3, "field": "email", "message": "šajā failā ir divreiz"},
        {"row": 4, "field": "email", "message": "ir nosūtīšanas aizlieguma sarakstā "
         "(Pievienota manuāli)"},
        {"row": 5, "field": "email", "message": "Adresē jābūt @ zīmei, piemēram, "
         "vards@example.lv."},
        {"row": 6, "field": "lang", "message": "jābūt vienam no šiem: en, et, lv, lt"},
    ]  # fmt: skip


async def test_a_field_refused_inside_a_validation_failure_is_in_the_readers_language(
    mailing: Mailing, admin_token: str
) -> None:
    """`ValidationFailed([FieldError(...)])`: Babel never extracted the field's message, so it
    was English in every language."""
    body = EE_LIST | {"network": "nowhere", "slug": "nowhere-news"}
    refused = await mailing.api.as_(admin_token).post(
        "/v1/lists", json=body, headers={"Accept-Language": "lv"}
    )
    assert refused.status == 422
    assert refused.json["errors"] == [{"field": "network", "message": "katalogā nav šāda tīkla"}]
