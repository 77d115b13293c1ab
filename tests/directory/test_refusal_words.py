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
        ("et", "Aadressi näitamise tõend"),
        ("lv", "Adreses parādīšanas žetons: bojāts; pārlādējiet lapu."),
        ("lt", "Adreso rodymo žetonas: sugadintas; perkraukite puslapį."),
    ],
)
async def test_the_widgets_reveal_is_refused_in_the_widgets_language_not_the_browsers(
    directory: Api, lang: str, said: str
) -> None:
    """widget.js sends its own `lang`; the browser's Accept-Language may be English."""
    english = {"Accept-Language": "en-US,en;q=0.9"}
    refused = await directory.post(
        "/v1/reveal", json={"token": "garbage", "lang": lang}, headers=english
    )
    assert refused.status == 403
    assert refused.json["detail"].startswith(said), refused.json
    assert refused.headers["Content-Language"] == lang
    missing = await directory.post("/v1/reveal", json={"lang": lang}, headers=english)
    assert missing.status == 422
    assert missing.json["errors"][0]["message"] != "is required", missing.json
    # Without a language of its own, the browser's.
    plain = await directory.post("/v1/reveal", json={"token": "garbage"}, headers=english)
    assert plain.json["detail"] == "The reveal token is malformed; reload the page."


@pytest.mark.parametrize(
    ("network", "lang", "said"),
    [
        ("ee", "en", "'helista Madisele' is not a phone number; write it as dialled in the "
                     "country or internationally, e.g. +372 321 2345"),
        # The example is a number of the contact's own country, whatever the language.
        ("lv", "lv", "'helista Madisele' nav tālruņa numurs; rakstiet to, kā zvana šajā "
                     "valstī, vai starptautiskā formātā, piem., +371 63 123 456"),
        ("lt", "et", "'helista Madisele' ei ole telefoninumber; kirjutage see nii, nagu riigis "
                     "valitakse, või rahvusvahelisel kujul, nt +370 312 34567"),
        # A network of several countries reads no national number: no country's example.
        ("for-in", "en", "'helista Madisele' is not a phone number; write it internationally, "
                         "with + and the country code"),
        ("ee", "lt", "'+372 123' nėra tinkamas savo šalies telefono numeris"),
    ],
)  # fmt: skip
async def test_an_unreadable_phone_number_is_refused_in_the_readers_language(
    directory: Api, admin_token: str, network: str, lang: str, said: str
) -> None:
    written = "+372 123" if lang == "lt" else "helista Madisele"
    refused = await directory.as_(admin_token).post(
        "/v1/contacts",
        json={"given_name": "Madis", "networks": [network], "phones": [written]},
        headers={"Accept-Language": lang},
    )
    assert refused.status == 422, refused.text
    assert refused.json["errors"] == [{"field": "phones[0].number", "message": said}]


async def test_a_reveal_link_without_a_language_speaks_the_browsers(directory: Api) -> None:
    page = await directory.get("/reveal/1?t=garbage", headers={"Accept-Language": "lt-LT,lt"})
    assert page.status == 403
    assert '<html lang="lt">' in page.text
