"""Where the directory's files live."""

from pathlib import Path

from shared.ratelimit import RATE_LIMITS

HERE = Path(__file__).parent
MIGRATIONS = HERE / "migrations"
QUERIES_DIR = HERE / "queries"
OPENAPI = HERE / "openapi.yaml"
SCHEMA = "directory"
# Every query folder the service loads (with its schema): its own and the shared ones.
QUERY_FOLDERS = (QUERIES_DIR, RATE_LIMITS)
