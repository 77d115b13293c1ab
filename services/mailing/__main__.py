"""Run the mailing service: `python -m services.mailing`."""

from services.mailing.app import create_app
from shared.web import run_service

if __name__ == "__main__":
    run_service(create_app, "mailing", lambda settings: settings.mailing_port)
