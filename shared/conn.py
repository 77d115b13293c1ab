"""The connection type domain code accepts."""

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# A connection straight from asyncpg, or one lent by a pool: domain code takes either.
Conn = asyncpg.Connection | PoolConnectionProxy
