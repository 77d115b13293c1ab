"""API values more than one service names are declared once: in the API's own spelling.

Subscription statuses, suppression reasons and campaign statuses come from
shared/payloads.py (checked against the mailing service's OpenAPI document) and their
names from shared/terms.py; the console once named `hard_bounce` where the API sends
`hard-bounce`, patched in four templates with `|replace('-', '_')`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.console.terms import TERMS as CONSOLE_TERMS
from services.mailing.terms import TERMS as MAILING_TERMS
from shared.i18n import translator
from shared.payloads import CAMPAIGN_STATUSES, SUBSCRIPTION_STATUSES, SUPPRESSION_REASONS

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[2]


def test_the_values_are_the_mailing_apis_own() -> None:
    document = yaml.safe_load((ROOT / "services/mailing/openapi.yaml").read_text("utf-8"))
    schemas = document["components"]["schemas"]
    assert tuple(schemas["Suppression"]["properties"]["reason"]["enum"]) == SUPPRESSION_REASONS
    assert tuple(schemas["Member"]["properties"]["status"]["enum"]) == SUBSCRIPTION_STATUSES
    assert set(CAMPAIGN_STATUSES) == set(schemas["Campaign"]["properties"]["status"]["enum"])


def test_every_service_names_each_value_as_the_api_spells_it() -> None:
    for terms in (CONSOLE_TERMS, MAILING_TERMS):
        assert set(terms["reason"]) == set(SUPPRESSION_REASONS)
        assert set(terms["campaign_status"]) == set(CAMPAIGN_STATUSES)
        assert set(terms["status"]) == set(SUBSCRIPTION_STATUSES)
    assert CONSOLE_TERMS["reason"] is MAILING_TERMS["reason"]
    assert CONSOLE_TERMS["campaign_status"] is MAILING_TERMS["campaign_status"]
    assert translator("et").term(CONSOLE_TERMS["reason"]["hard-bounce"]) != "Hard bounce"


def test_no_template_respells_an_api_value() -> None:
    patched = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "services").rglob("*.html"))
        if "replace('-', '_')" in path.read_text("utf-8")
    ]
    assert patched == []
