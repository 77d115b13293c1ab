"""Run the mailing service: `kontakt-mailing` or `python -m services.mailing`
(`... migrate`: apply its schema)."""

from services.mailing.app import create_app
from services.mailing.paths import MIGRATIONS, SCHEMA
from shared.process import run_service


def main() -> None:
    """The `kontakt-mailing` command."""
    run_service(create_app, "mailing", lambda settings: settings.mailing_port, (SCHEMA, MIGRATIONS))


if __name__ == "__main__":
    main()
