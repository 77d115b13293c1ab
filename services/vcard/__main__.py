"""Run the vcard service: `python -m services.vcard` (it owns no tables: `migrate` does nothing)."""

from services.vcard.app import create_app
from shared.process import run_service

if __name__ == "__main__":
    run_service(create_app, "vcard", lambda settings: settings.vcard_port, None)
