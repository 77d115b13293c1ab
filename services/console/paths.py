"""Where the console's files live."""

from pathlib import Path

from shared.mail.outbox import OUTBOX_QUERIES

HERE = Path(__file__).parent
MIGRATIONS = HERE / "migrations"
QUERIES_DIR = HERE / "queries"
SCHEMA = "console"
# Every query folder the service loads (with its schema): its own and the shared ones.
QUERY_FOLDERS = (QUERIES_DIR, OUTBOX_QUERIES)
