"""One visibility rule: a private network, and a public one under it, leak through no read."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import SERVICE_TOKEN, MakeAccount
from tests.support.dav import SYNC, basic, dav
from tests.support.harvesters import harvest
from tests.support.services import Pair

pytestmark = pytest.mark.usefixtures("demo")

ZIBAS = "zibas@unhcr.org"


async def _zibas(pair: Pair) -> dict[str, Any]:
    items = (await pair.directory.get("/v1/networks/for-in/contacts?limit=200")).json["items"]
    return dict(next(c for c in items if c["family_name"] == "Zibas"))


async def _texts(pair: Pair, *paths: str, **headers: str) -> dict[str, str]:
    """The bodies of GETs on either service, ZIP entries unpacked."""
    found = {}
    for path in paths:
        api = pair.vcard if path.startswith("vcard:") else pair.directory
        path = path.removeprefix("vcard:")
        async with api.client.get(path, headers=headers) as response:
            body = await response.read()
        if body.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                body = b"".join(archive.read(name) for name in archive.namelist())
        found[path] = body.decode("utf-8")
    return found


async def test_a_private_member_network_leaks_through_no_read_of_its_parent(
    services: Pair, admin_token: str
) -> None:
    """Issue 14, item 1, as it was found: nordic-baltic made private, read through for-in."""
    zibas = await _zibas(services)
    widget = (await services.directory.get("/v1/widget/for-in")).json
    render_token = next(c["token"] for c in widget["cards"] if c["id"] == zibas["id"])
    revealed = await services.directory.post(
        "/v1/reveal", json={"token": render_token}, headers=services.iframe
    )
    assert revealed.json["emails"] == [ZIBAS]
    vcard_link = urlsplit(revealed.json["vcard_url"])
    admin = services.directory.as_(admin_token)
    assert (
        await admin.patch("/v1/networks/nordic-baltic", json={"is_private": True})
    ).status == 200

    reads = await _texts(
        services,
        "/v1/networks/for-in/contacts",
        "/v1/networks/for-in/contacts?q=zibas",
        "/v1/widget/for-in",
        "/fragment/for-in",
        "/embed/for-in",
        "/v1/networks",
        "/v1/networks/for-in",
        "vcard:/v1/networks/for-in.vcf",
        "vcard:/v1/networks/for-in.zip",
        "vcard:/dav/addressbooks/for-in/" + zibas["uid"] + ".vcf",
    )
    for path, text in reads.items():
        assert "Zibas" not in text, path
        assert "nordic-baltic" not in text, path
    member = await services.directory.get("/v1/networks/for-in/contacts?member=nordic-baltic")
    assert member.status == 422  # the same as a network that is not there
    assert (await services.directory.get("/v1/networks/nordic-baltic")).status == 404
    assert (await services.directory.get("/v1/widget/for-in?member=nordic-baltic")).status == 422
    _, root, _ = await dav(services.vcard, "PROPFIND", "/dav/addressbooks/for-in/", Depth="1")
    assert root is not None
    assert zibas["uid"] not in ET.tostring(root, encoding="unicode")
    _, root, _ = await dav(
        services.vcard, "REPORT", "/dav/addressbooks/for-in/", SYNC.format(token="")
    )
    assert root is not None
    assert zibas["uid"] not in ET.tostring(root, encoding="unicode")

    # A render token from before does not reveal, with or without JavaScript.
    refused = await services.directory.post(
        "/v1/reveal", json={"token": render_token}, headers=services.iframe
    )
    assert refused.status == 403
    assert ZIBAS not in refused.text
    page = await services.directory.get(f"/reveal/{zibas['id']}?t={render_token}&lang=lv")
    assert page.status == 403
    assert "Zibas" not in page.text
    # Nor does the vCard link a reveal gave out before.
    async with services.vcard.client.get(f"{vcard_link.path}?{vcard_link.query}") as response:
        assert response.status in (403, 404)
        assert ZIBAS not in await response.text()


async def test_a_public_network_under_a_private_one_is_private_to_strangers(
    services: Pair, admin_token: str, make_account: MakeAccount
) -> None:
    admin = services.directory.as_(admin_token)
    ee = (await services.directory.get("/v1/networks/ee/contacts")).json["items"]
    lv = (await services.directory.get("/v1/networks/lv/contacts")).json["items"]
    assert (await admin.patch("/v1/networks/for-in", json={"is_private": True})).status == 200

    for path in ("/v1/networks/ee/contacts", "/v1/widget/ee", "/fragment/ee", "/embed/ee"):
        assert (await services.directory.get(path)).status == 404, path
    assert (await services.directory.get(f"/v1/contacts/{ee[0]['id']}")).status == 404
    assert (await services.directory.get("/v1/networks")).json["items"] == []
    async with services.vcard.client.get(f"/v1/contacts/{ee[0]['id']}.vcf") as response:
        assert response.status == 404
    async with services.vcard.client.get("/v1/networks/ee.vcf") as response:
        assert response.status == 404

    # Estonia's coordinator still sees Estonia, with addresses, and nothing else.
    _, phone = await make_account(
        "ee@example.ee", kind="read", permissions={"ee": ("edit_contacts",)}
    )
    coordinator = services.directory.as_(phone)
    mine = (await coordinator.get("/v1/networks/ee/contacts")).json["items"]
    assert {c["id"] for c in mine} == {c["id"] for c in ee}
    assert all("emails" in c for c in mine if c["has_email"])
    assert (await coordinator.get(f"/v1/contacts/{lv[0]['id']}")).status == 404
    assert (await coordinator.get("/v1/networks/for-in")).status == 404
    listed = (await coordinator.get("/v1/networks")).json["items"]
    assert [(n["slug"], n["parent"]) for n in listed] == [("ee", None)]
    texts = await _texts(services, "vcard:/v1/networks/ee.vcf", **basic(phone))
    assert "Kanarbik" in texts["/v1/networks/ee.vcf"]
    assert "madis.kanarbik@norden.ee" in texts["/v1/networks/ee.vcf"]


async def test_a_contact_shows_only_the_networks_the_caller_sees(
    services: Pair, admin_token: str
) -> None:
    admin = services.directory.as_(admin_token)
    secret = {"slug": "salajane", "names": {"et": "Salajane võrk"}, "is_private": True}
    assert (await admin.post("/v1/networks", json=secret)).status == 201
    body = {"given_name": "Viivi", "family_name": "Kahevõrgu", "networks": ["ee", "salajane"]}
    created = await admin.post("/v1/contacts", json=body)
    assert {m["network"] for m in created.json["networks"]} == {"ee", "salajane"}
    anonymous = await services.directory.get(f"/v1/contacts/{created.json['id']}")
    assert [m["network"] for m in anonymous.json["networks"]] == ["ee"]
    texts = await _texts(
        services,
        f"/v1/contacts/{created.json['id']}",
        "/v1/networks/ee/contacts",
        f"vcard:/v1/contacts/{created.json['id']}.vcf",
    )
    for path, text in texts.items():
        assert "Kahevõrgu" in text, path
        assert "salajane" not in text.lower(), path


async def test_the_service_credential_sees_what_anyone_sees(
    services: Pair, admin_token: str
) -> None:
    """Other services read for a caller; on their own they get nothing more than anyone."""
    service = services.directory.as_(SERVICE_TOKEN)
    zibas = await _zibas(services)
    listed = (await service.get("/v1/networks/for-in/contacts")).json["items"]
    assert listed
    assert all("emails" not in c for c in listed)
    assert not harvest((await service.get(f"/v1/contacts/{zibas['id']}")).text)
    admin = services.directory.as_(admin_token)
    assert (
        await admin.patch("/v1/networks/nordic-baltic", json={"is_private": True})
    ).status == 200
    assert (await service.get(f"/v1/contacts/{zibas['id']}")).status == 404
    assert (await service.get("/v1/networks/nordic-baltic")).status == 404
