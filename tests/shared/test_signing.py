"""Signing keys rotate: one key signs, former keys still verify, and every token or MAC
Kontakt makes goes through `shared.signing.Keys`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared.settings import Settings, SettingsError
from shared.signing import BadToken, Keys

pytestmark = pytest.mark.fast  # pure functions: `make test-fast`

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW = Keys("key-of-last-year"), Keys("key-of-this-year", ("key-of-last-year",))


def test_a_token_of_the_former_key_verifies_and_new_ones_use_the_new_key() -> None:
    old_token = OLD.sign("unsubscribe", {"l": 1, "s": 2}, 3600)
    assert NEW.verify("unsubscribe", old_token)["s"] == 2
    new_token = NEW.sign("unsubscribe", {"l": 1, "s": 2}, 3600)
    assert Keys("key-of-this-year").verify("unsubscribe", new_token)["s"] == 2
    with pytest.raises(BadToken, match="forged"):
        OLD.verify("unsubscribe", new_token)
    # Dropped from the verification keys, the former key's tokens are refused.
    with pytest.raises(BadToken, match="forged"):
        Keys("key-of-this-year").verify("unsubscribe", old_token)
    # A former key is still one key per purpose, and still checks expiry.
    with pytest.raises(BadToken, match="forged"):
        NEW.verify("preferences", old_token)
    with pytest.raises(BadToken, match="expired"):
        NEW.verify("unsubscribe", OLD.sign("unsubscribe", {"s": 2}, -1))


def test_hex_macs_check_under_every_accepted_key() -> None:
    old_mac = OLD.mac_hex("mailing-bounce", "7.42")
    assert NEW.check_hex("mailing-bounce", "7.42", old_mac)
    assert NEW.mac_hex("mailing-bounce", "7.42") != old_mac
    assert NEW.check_hex("mailing-bounce", "7.42", NEW.mac_hex("mailing-bounce", "7.42"))
    assert not Keys("key-of-this-year").check_hex("mailing-bounce", "7.42", old_mac)
    assert not NEW.check_hex("mailing-bounce", "7.43", old_mac)
    assert not NEW.check_hex("mailing-unsubscribe", "7.42", old_mac)


def test_keys_come_from_the_settings_and_their_files(tmp_path: Path) -> None:
    former = tmp_path / "verification-keys"
    former.write_text("key-of-last-year\nkey-of-2024\n")  # one a line, as a mounted Secret
    settings = Settings.from_env(
        {"KONTAKT_SECRET_KEY": "key-of-this-year", "KONTAKT_VERIFICATION_KEYS_FILE": str(former)}
    )
    assert Keys.of(settings) == Keys("key-of-this-year", ("key-of-last-year", "key-of-2024"))
    listed = Settings.from_env(
        {
            "KONTAKT_SECRET_KEY": "key-of-this-year",
            "KONTAKT_VERIFICATION_KEYS": "a, b,key-of-this-year",
        }
    )
    assert Keys.of(listed) == Keys("key-of-this-year", ("a", "b"))  # signing key not listed twice
    with pytest.raises(SettingsError, match="KONTAKT_SECRET_KEY"):
        Keys.of(Settings.from_env({}))
    # An empty variable beside its file (compose's `${KONTAKT_SECRET_KEY:-}`) reads the file.
    key = tmp_path / "secret-key"
    key.write_text("key-from-the-mounted-secret\n")
    both = Settings.from_env({"KONTAKT_SECRET_KEY": "", "KONTAKT_SECRET_KEY_FILE": str(key)})
    assert Keys.of(both) == Keys("key-from-the-mounted-secret")


@pytest.mark.parametrize("key", ["k", "changeme", "fifteen-bytes!!", "Jõemets-2026"])
def test_a_key_shorter_than_16_bytes_stops_the_start(key: str) -> None:
    """A short key is guessed offline from one signed link; 16 bytes (UTF-8) at the least."""
    with pytest.raises(SettingsError, match="KONTAKT_SECRET_KEY is too short: at least 16 bytes"):
        Keys.of(Settings.from_env({"KONTAKT_SECRET_KEY": key}))
    assert Keys.of(Settings.from_env({"KONTAKT_SECRET_KEY": key + "x" * (16 - len(key.encode()))}))


def test_no_code_but_shared_signing_uses_the_secret_key() -> None:
    """Every MAC and token goes through Keys, so each accepts the former keys."""
    allowed = {Path("shared/signing.py"), Path("shared/settings.py")}
    found = []
    for path in sorted([*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]):
        relative = path.relative_to(ROOT)
        if relative in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("secret_key", "verification_keys"):
                found.append(f"{relative}:{node.lineno}")
    assert not found, f"read the keys through shared.signing.Keys: {found}"
