"""Every secret can come from a file (a mounted Kubernetes or compose secret)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.settings import SPEC, Settings, SettingsError

SECRETS = {"database_url", "smtp_url", "service_token", "secret_key", "db_listen_url"}


def test_every_secret_reads_from_its_file(tmp_path: Path) -> None:
    assert {name for name, s in SPEC.items() if s.secret} == SECRETS
    env = {}
    for name in SECRETS:
        path = tmp_path / name
        path.write_text(f"value-of-{name}\n")  # as `kubectl create secret` leaves it
        env[f"KONTAKT_{SPEC[name].env}_FILE"] = str(path)
    settings = Settings.from_env(env)
    for name in SECRETS:
        assert getattr(settings, name) == f"value-of-{name}"
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
        {"KONTAKT_HOST": "0.0.0.0", "KONTAKT_SECRET_KEY": "k", "KONTAKT_SERVICE_TOKEN": "t"},  # noqa: S104
        smtp_url="smtp://mail.example.org:25",
    )
    with pytest.raises(SettingsError, match=r"KONTAKT_PUBLIC_MAILING_URL.*http://0\.0\.0\.0:8082"):
        create_mailing(listening_everywhere)
    with pytest.raises(SettingsError, match="KONTAKT_PUBLIC_CONSOLE_URL"):
        create_console(listening_everywhere.replace(public_mailing_url="http://[::]:8082"))
    with pytest.raises(SettingsError, match="KONTAKT_PUBLIC_MAILING_URL"):
        create_mailing(listening_everywhere.replace(public_mailing_url="http://[::]:8082"))
    create_mailing(listening_everywhere.replace(public_mailing_url="https://news.example.org"))
