"""Where the console's files live."""

from pathlib import Path

HERE = Path(__file__).parent
MIGRATIONS = HERE / "migrations"
QUERIES_DIR = HERE / "queries"
SCHEMA = "console"
