"""Which failures are the database's fault rather than a bug: they become 503 / TIMEOUT.

A resolver that cannot reach PostgreSQL (refused, reset mid-query, pool exhausted, server
shutting down) gets ``SERVICE_UNAVAILABLE`` and HTTP 503, so clients and load balancers retry;
nothing needs restarting: SQLAlchemy invalidates the pool on a disconnect error, so the next
request opens fresh connections once the database is back (with or without pre-ping). A statement cancelled by PostgreSQL's ``statement_timeout`` is a ``TIMEOUT``.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import exc as sa_exc

UNAVAILABLE = "SERVICE_UNAVAILABLE"
TIMEOUT = "TIMEOUT"

# SQLSTATE classes: 08 connection exception, 57P0x operator intervention (shutdown, crash
# recovery), 53 insufficient resources (too many connections).
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53")
STATEMENT_TIMEOUT_SQLSTATE = "57014"


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else current.__cause__ or current.__context__
        )


def database_fault(error: BaseException | None) -> str | None:
    """``SERVICE_UNAVAILABLE``, ``TIMEOUT`` or None (not a database fault)."""
    if error is None:
        return None
    for item in _chain(error):
        sqlstate = getattr(item, "sqlstate", None)
        if isinstance(sqlstate, str):
            if sqlstate == STATEMENT_TIMEOUT_SQLSTATE:
                return TIMEOUT
            if sqlstate.startswith(UNAVAILABLE_SQLSTATES):
                return UNAVAILABLE
        if isinstance(item, sa_exc.DBAPIError) and item.connection_invalidated:
            return UNAVAILABLE
        if isinstance(
            item, sa_exc.TimeoutError | sa_exc.InterfaceError | sa_exc.DisconnectionError
        ):
            return UNAVAILABLE  # pool exhausted / connection closed under us
        if isinstance(item, ConnectionError | TimeoutError):
            return UNAVAILABLE  # refused, reset, or the connect timed out
        if type(item).__module__.startswith("asyncpg") and type(item).__name__ in (
            "ConnectionDoesNotExistError",
            "InterfaceError",
            "InternalClientError",
        ):
            return UNAVAILABLE
        if isinstance(item, OSError) and item.errno is not None:
            return UNAVAILABLE  # "Connect call failed", host unreachable
        if isinstance(item, sa_exc.OperationalError) and "database is locked" in str(item):
            return UNAVAILABLE  # SQLite busy beyond busy_timeout: retry later
    return None
