"""The console's templates (strict: an undefined attribute is an error) render API answers
that leave out the fields `shared/payloads.py` declares NotRequired."""

from __future__ import annotations

import pytest

from services.console.pages import TEMPLATES
from shared import i18n
from shared.payloads import Token

pytestmark = pytest.mark.fast


def test_a_token_without_its_optional_fields_renders() -> None:
    token: Token = {
        "id": 7,
        "account_id": 3,
        "kind": "api",
        "name": "Telefon",
        "prefix": "kt_ab12",
        "created_at": "2026-12-01T09:00:00+00:00",
        "expires_at": "2026-12-08T09:00:00+00:00",
        "revoked_at": None,
        "last_used_at": None,
    }
    with i18n.speaking("lv"):
        shown = TEMPLATES.get_template("_tokens.html").render(
            tokens=[token], caption="Žetoni", csrf="", session_token=None, path="/tokens"
        )
    assert "Telefon" in shown
