"""The directory's refusals name what was refused in the reader's language, not in English."""

from __future__ import annotations

import pytest

from tests.support.api import Api

pytestmark = pytest.mark.usefixtures("demo")


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "The reveal token is malformed; reload the page."),
        ("lv", "Adreses parādīšanas žetons: bojāts; pārlādējiet lapu."),
        ("lt", "Adreso rodymo žetonas: sugadintas; perkraukite puslapį."),
    ],
)
async def test_a_bad_reveal_token_is_named_in_the_readers_language(
    directory: Api, lang: str, said: str
) -> None:
    refused = await directory.post(
        "/v1/reveal", json={"token": "garbage", "lang": lang}, headers={"Accept-Language": lang}
    )
    assert refused.status == 403
    assert refused.json["detail"] == said


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "'helista Madisele' is not a phone number; write it internationally, "
               "e.g. +372 7423 625"),
        ("lv", "'helista Madisele' nav tālruņa numurs; rakstiet to starptautiskā formātā, "
               "piem., +371 6721 1234"),
        ("lt", "'+372 123' nėra tinkamas savo šalies telefono numeris"),
    ],
)  # fmt: skip
async def test_an_unreadable_phone_number_is_refused_in_the_readers_language(
    directory: Api, admin_token: str, lang: str, said: str
) -> None:
    written = "+372 123" if lang == "lt" else "helista Madisele"
    refused = await directory.as_(admin_token).post(
        "/v1/contacts",
        json={"given_name": "Madis", "networks": ["ee"], "phones": [written]},
        headers={"Accept-Language": lang},
    )
    assert refused.status == 422, refused.text
    assert refused.json["errors"] == [{"field": "phones[0].number", "message": said}]
