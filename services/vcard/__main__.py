"""Run the vcard service: `kontakt-vcard` or `python -m services.vcard` (it owns no tables:
`migrate`, `housekeeping` and
`restore-check` do nothing)."""

from services.vcard.app import create_app
from shared.process import run_service


def main() -> None:
    """The `kontakt-vcard` command."""
    run_service(create_app, "vcard", lambda settings: settings.vcard_port, None)


if __name__ == "__main__":
    main()
