"""A newsletter's links lead somewhere from a mail: relative ones are refused when saved."""

from __future__ import annotations

import pytest

from tests.conftest import MakeAccount
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST, tokens

pytestmark = pytest.mark.usefixtures("demo")

# The shapes people paste: a site without its scheme, a page of their own site, an anchor,
# a reference definition, a logo by file name, and an empty destination.
RELATIVE = (
    "Tere!\n\n[Meie koduleht](www.for-in.example)\n\n[Kontakt](/kontakt)\n\n[Üles](#top)\n\n"
    "Loe [siit][1].\n\n![logo](logo.png)\n\n[tühi]()\n\n[1]: uudised/detsember.html\n"
)
ABSOLUTE = (
    "Tere, {name}!\n\n[Koduleht](https://for-in.example/) [Kiri](mailto:info@for-in.example)"
    " [Helista](tel:+3726123456) <https://for-in.example/uudised>\n\n"
    "![logo](https://for-in.example/logo.png)\n\n[2]: not-used.html\n"
)


async def test_relative_links_are_refused_with_each_named_and_absolute_ones_pass(
    mailing: Mailing, make_account: MakeAccount
) -> None:
    editor, _ = await tokens(make_account)
    await mailing.api.as_(editor).post("/v1/lists", json=EE_LIST)
    path = "/v1/lists/ee-uudised/campaigns"
    refused = await mailing.api.as_(editor).post(path, json={"subject": "S", "body": RELATIVE})
    assert refused.status == 422
    assert refused.problem_fields() == ["body"]
    detail = str(refused.json["errors"][0]["message"])
    for shown in ("www.for-in.example", "/kontakt", "#top", "uudised/detsember.html", "logo.png"):
        assert shown in detail
    # The reader's language: the same refusal in Estonian.
    estonian = await mailing.api.as_(editor).post(
        path, json={"subject": "S", "body": RELATIVE}, headers={"Accept-Language": "et"}
    )
    assert "täielikud aadressid" in str(estonian.json["errors"][0]["message"])

    created = await mailing.api.as_(editor).post(path, json={"subject": "S", "body": ABSOLUTE})
    assert created.status == 201, created.json
    # An edit that makes a link relative is refused too, and the campaign keeps its body.
    campaign = f"/v1/campaigns/{created.json['id']}"
    edit = await mailing.api.as_(editor).patch(campaign, json={"body": "[a](about.html)"})
    assert edit.problem_fields() == ["body"]
    assert (await mailing.api.as_(editor).get(campaign)).json["body"] == ABSOLUTE
