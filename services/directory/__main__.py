"""Run the directory service: `python -m services.directory`."""

from services.directory.app import create_app
from shared.web import run_service

if __name__ == "__main__":
    run_service(create_app, "directory", lambda settings: settings.directory_port)
