"""The smoke path: what an operator checks after a deploy, driven through the services' APIs."""

from __future__ import annotations

from tests.conftest import MakeAccount
from tests.support.campaigns import wait_done
from tests.support.forms import subscribe_by_form
from tests.support.mailing import Mailing
from tests.support.newsletters import EE_LIST


async def smoke_path(mailing: Mailing, make_account: MakeAccount) -> None:
    """Read, edit, subscribe, confirm, send a campaign and unsubscribe, asserting each step."""
    directory = mailing.directory
    public = await directory.get("/v1/networks/for-in/contacts?member=lt")
    assert public.status == 200
    assert [c["family_name"] for c in public.json["items"]] == ["Gintautaitė", "Kisevičienė"]
    again = await directory.get(
        "/v1/networks/for-in/contacts?member=lt", headers={"If-None-Match": public.headers["ETag"]}
    )
    assert again.status == 304
    _, token = await make_account(
        "smoke@example.ee", permissions={"ee": ("edit_contacts", "manage_lists", "send_campaigns")}
    )
    created = await directory.as_(token).post(
        "/v1/contacts",
        json={"given_name": "Mari", "family_name": "Jõemets", "networks": [{"network": "ee"}]},
    )
    assert created.status == 201, created.text
    assert (await mailing.api.as_(token).post("/v1/lists", json=EE_LIST)).status == 201
    await subscribe_by_form(mailing, "ee-uudised", "lugeja@example.ee")
    confirm = mailing.links("/confirm/")[-1].split("?")[0]
    assert (await mailing.api.post(confirm, data={})).status == 200
    campaign = await mailing.api.as_(token).post(
        "/v1/lists/ee-uudised/campaigns", json={"subject": "Tere", "body": "Tere, {name}!"}
    )
    assert campaign.status == 201
    campaign_id = campaign.json["id"]
    assert (await mailing.api.as_(token).post(f"/v1/campaigns/{campaign_id}/send")).status == 202
    done = await wait_done(mailing, token, campaign_id)
    assert done["progress"]["sent"] == 1
    sent = mailing.sink.messages[-1].parsed()
    assert sent["Subject"] == "Tere"
    unsubscribe = str(sent["List-Unsubscribe"]).split(">")[0].lstrip("<")
    one_click = await mailing.api.post(
        unsubscribe.removeprefix(mailing.base),
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status == 200
