"""Where the mailing service's files live."""

from pathlib import Path

from shared.mail.outbox import OUTBOX_QUERIES
from shared.ratelimit import RATE_LIMITS

HERE = Path(__file__).parent
MIGRATIONS = HERE / "migrations"
QUERIES_DIR = HERE / "queries"
OPENAPI = HERE / "openapi.yaml"
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
SCHEMA = "mailing"
# Every query folder the service loads (with its schema): its own and the shared ones.
QUERY_FOLDERS = (QUERIES_DIR, RATE_LIMITS, OUTBOX_QUERIES)
