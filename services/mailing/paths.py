"""Where the mailing service's files live."""

from pathlib import Path

HERE = Path(__file__).parent
MIGRATIONS = HERE / "migrations"
QUERIES_DIR = HERE / "queries"
OPENAPI = HERE / "openapi.yaml"
TEMPLATES = HERE / "templates"
SCHEMA = "mailing"
