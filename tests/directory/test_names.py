"""The one name rule in the directory: a contact's names (API and imports) and an account's."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.api import Api
from tests.support.contact_import import CSV, imported

pytestmark = pytest.mark.usefixtures("demo")

# Hidden in a name that otherwise reads well: a bell, bidi controls, a mark, a zero-width space.
REFUSED = {
    "bell": "Ona\x07",
    "right-to-left override": "\u202eenėicivesiK",
    "left-to-right mark": "Kisevičienė\u200e",
    "isolates": "\u2066Jõemets\u2069",
    "zero-width space": "Mežec\u200bka",
    "C1 control": "Ona\x9b",
}
SAID = (
    "must not contain control characters, line breaks or invisible characters such as "
    "text-direction marks"
)
ESTONIA = [{"network": "ee", "role": "member"}]


async def test_a_contacts_names_with_them_are_refused_naming_the_field(
    directory: Api, admin_token: str
) -> None:
    api = directory.as_(admin_token)
    for field in ("given_name", "family_name", "display_name"):
        for what, name in REFUSED.items():
            sent = {"given_name": "Ona", "family_name": "Kisevičienė", "networks": ESTONIA}
            refused = await api.post("/v1/contacts", json=sent | {field: name})
            assert refused.status == 422, (field, what)
            assert refused.json["errors"] == [{"field": field, "message": SAID}], (field, what)
    # Diacritics and the joiners a name needs are kept; any spaces fold into one.
    made = await api.post(
        "/v1/contacts",
        json={
            "given_name": "Fātemeh\u00a0Zahrā",
            "family_name": "فاطمه\u200cزهرا",
            "display_name": "Ona  Kisevičienė \U0001f469\u200d\U0001f4bb",
            "networks": ESTONIA,
        },
    )
    assert made.status == 201, made.text
    assert (made.json["given_name"], made.json["family_name"], made.json["display_name"]) == (
        "Fātemeh Zahrā",
        "فاطمه\u200cزهرا",
        "Ona Kisevičienė \U0001f469\u200d\U0001f4bb",
    )


async def test_a_name_stored_before_the_rule_never_blocks_an_edit(
    directory: Api, admin_token: str, conn: asyncpg.Connection
) -> None:
    api = directory.as_(admin_token)
    made = await api.post(
        "/v1/contacts",
        json={"given_name": "Ona", "family_name": "Kisevičienė", "networks": ESTONIA},
    )
    # As an address book pasted before the rule left it: a mark no one can see.
    await conn.execute(
        "UPDATE contacts SET family_name = $2 WHERE id = $1", made.json["id"], "Kisevičienė\u200e"
    )
    current = (await api.get(f"/v1/contacts/{made.json['id']}")).json
    changed = await api.patch(
        f"/v1/contacts/{made.json['id']}",
        json={"emails": ["ona@example.lt"], "revision": current["revision"]},
    )
    assert changed.status == 200, changed.text
    assert changed.json["family_name"] == "Kisevičienė"  # taken out as it was written again
    assert changed.json["emails"] == ["ona@example.lt"]


async def test_an_import_rejects_the_rows_with_them_and_takes_the_rest(
    directory: Api, admin_token: str
) -> None:
    api = directory.as_(admin_token)
    rows = ["given_name,family_name,emails"]
    rows += [f"Ona,{name},bad{i}@example.lt" for i, name in enumerate(REFUSED.values())]
    rows += ["Ona,Kisevičienė,ona@example.lt"]
    report = await imported(api, ("\r\n".join(rows) + "\r\n").encode(), "network=lt", CSV)
    assert (report["created"], report["rejected"]) == (1, len(REFUSED)), report["items"]
    for item in report["items"][: len(REFUSED)]:
        assert item["status"] == "rejected"
        assert [(e["field"], e["message"]) for e in item["errors"]] == [("family_name", SAID)]
    # A vCard's name, the same: the card is rejected, the file goes on.
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:\u202eenėicivesiK;Ona;;;\r\nFN:Ona\r\nEND:VCARD\r\n"
    carded = await imported(
        api, card.encode(), "network=lt", {"Content-Type": "text/vcard; charset=utf-8"}
    )
    assert carded["rejected"] == 1, carded["items"]


async def test_an_accounts_name_follows_the_same_rule(directory: Api, admin_token: str) -> None:
    api = directory.as_(admin_token)
    refused = await api.post(
        "/v1/accounts", json={"email": "kadri@example.ee", "name": "Kadri \u202eJõemets"}
    )
    assert refused.status == 422
    assert refused.json["errors"] == [{"field": "name", "message": SAID}]
    made = await api.post(
        "/v1/accounts", json={"email": "kadri@example.ee", "name": "Kadri  Jõemets"}
    )
    assert made.status == 201, made.text
    assert made.json["name"] == "Kadri Jõemets"
    renamed = await api.patch(f"/v1/accounts/{made.json['id']}", json={"name": "Kadri\x07"})
    assert renamed.status == 422
    assert [e["field"] for e in renamed.json["errors"]] == ["name"]
