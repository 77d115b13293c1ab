"""An import's numbers are ASCII digits: anything else rejects its row, never the import."""

from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.contact_import import CSV, imported

pytestmark = pytest.mark.usefixtures("demo")


async def test_a_position_in_other_digits_rejects_only_its_row(
    directory: Api, admin_token: str
) -> None:
    api = directory.as_(admin_token)
    odd = ("²", "٣", "9" * 5000, "99999999999")
    rows = [f"Numbrimees{n},{value}" for n, value in enumerate(odd)] + ["Tamm,-3", "Kask,7"]
    body = ("family_name,position\r\n" + "\r\n".join(rows) + "\r\n").encode()
    report = await imported(api, body, "network=ee", CSV)
    statuses = [item["status"] for item in report["items"]]
    assert statuses == ["rejected"] * len(odd) + ["created", "created"], report["items"]
    for item in report["items"][: len(odd)]:
        assert [e["field"] for e in item["errors"]] == ["position"], item
