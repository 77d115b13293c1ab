"""Every secret can come from a file (a mounted Kubernetes or compose secret)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.settings import SPEC, Settings, SettingsError
from tests.conftest import MakeAccount
from tests.support.forms import subscribe_by_form
from tests.support.mailing import StartMailing
from tests.support.newsletters import make_list

SECRETS = {"database_url", "smtp_url", "service_token", "secret_key", "db_listen_url"}
# Lists of secrets: one a line in the file.
SECRET_LISTS = {"verification_keys"}


def test_every_secret_reads_from_its_file(tmp_path: Path) -> None:
    assert {name for name, s in SPEC.items() if s.secret} == SECRETS | SECRET_LISTS
    env = {}
    for name in SECRETS:
        path = tmp_path / name
        path.write_text(f"value-of-{name}\n")  # as `kubectl create secret` leaves it
        env[f"KONTAKT_{SPEC[name].env}_FILE"] = str(path)
    keys = tmp_path / "verification_keys"
    keys.write_text("former-key-1\nformer-key-2\n")
    env["KONTAKT_VERIFICATION_KEYS_FILE"] = str(keys)
    settings = Settings.from_env(env)
    for name in SECRETS:
        assert getattr(settings, name) == f"value-of-{name}"
    assert settings.verification_keys == ("former-key-1", "former-key-2")
    # The variable itself wins over the file.
    direct = Settings.from_env({**env, "KONTAKT_SECRET_KEY": "from-the-environment"})
    assert direct.secret_key == "from-the-environment"


def test_an_unreadable_secret_file_is_named_and_nothing_else_is_said(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"KONTAKT_SECRET_KEY_FILE": str(tmp_path / "missing")})
    assert "KONTAKT_SECRET_KEY_FILE" in str(caught.value)
    assert "No such file" in str(caught.value)


def test_services_that_mail_links_refuse_to_start_with_links_to_nowhere() -> None:
    from services.console.app import create_app as create_console
    from services.mailing.app import create_app as create_mailing

    listening_everywhere = Settings.from_env(
        {
            "KONTAKT_HOST": "0.0.0.0",  # noqa: S104
            "KONTAKT_SECRET_KEY": "a-key-of-16-bytes",
            "KONTAKT_SERVICE_TOKEN": "t",
        },
        smtp_url="smtp://mail.example.org:25",
    )
    with pytest.raises(SettingsError, match=r"KONTAKT_PUBLIC_MAILING_URL.*http://0\.0\.0\.0:8082"):
        create_mailing(listening_everywhere)
    with pytest.raises(SettingsError, match="KONTAKT_PUBLIC_CONSOLE_URL"):
        create_console(listening_everywhere.replace(public_mailing_url="http://[::]:8082"))
    with pytest.raises(SettingsError, match="KONTAKT_PUBLIC_MAILING_URL"):
        create_mailing(listening_everywhere.replace(public_mailing_url="http://[::]:8082"))
    create_mailing(listening_everywhere.replace(public_mailing_url="https://news.example.org"))


@pytest.mark.usefixtures("demo")
async def test_after_a_key_rotation_links_already_mailed_keep_working(
    start_mailing: StartMailing, make_account: MakeAccount
) -> None:
    """README "Secrets": the new key signs, the old one moves to KONTAKT_VERIFICATION_KEYS
    until the links made with it have expired; then it is dropped."""
    from services.mailing.compose import unsubscribe_url
    from services.mailing.links import preferences_url

    last_year = await start_mailing(secret_key="key-of-last-year")
    _, token = await make_account("ee@example.ee", permissions={"ee": ("manage_lists",)})
    await make_list(last_year, token)
    await subscribe_by_form(last_year, "ee-uudised", "lugeja@example.ee")
    confirm = last_year.links("/confirm/")[0].split("?")[0]  # mailed under last year's key
    mailed = last_year.settings
    unsubscribe = unsubscribe_url(mailed, 1, 1).removeprefix(last_year.base)
    preferences = preferences_url(mailed, 1, 1).removeprefix(last_year.base)

    rotated = await start_mailing(
        secret_key="key-of-this-year", verification_keys=("key-of-last-year",)
    )
    assert (await rotated.api.post(confirm, data={})).status == 200
    assert (await rotated.api.get(preferences)).status == 200
    assert (await rotated.api.get(unsubscribe)).status == 200
    # What it makes now is signed with this year's key alone.
    fresh = preferences_url(rotated.settings, 1, 1).removeprefix(rotated.base)
    assert fresh != preferences

    dropped = await start_mailing(secret_key="key-of-this-year")
    assert (await dropped.api.get(fresh)).status == 200
    assert (await dropped.api.get(preferences)).status == 404
    one_click = await dropped.api.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status == 404
    members = await dropped.api.as_(token).get("/v1/lists/ee-uudised/members")
    assert members.json["items"][0]["status"] == "confirmed"
