"""Engine construction, per-request SQL statistics and small row helpers.

``Database`` wraps one async engine. Reads use short-lived ``AsyncConnection`` objects with Core
selects (no identity map, no entity hydration); writes use an ``async_sessionmaker`` session and
one transaction.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import event
from sqlalchemy.engine import Row, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Executable

from resolvers.sqlite_cursor import install as install_one_hand_off
from resolvers.sqlite_reader import SqliteReader


@dataclass
class QueryStats:
    """SQL statements run and time spent in the database for one request."""

    statements: int = 0
    seconds: float = 0.0


_current_stats: ContextVar[QueryStats | None] = ContextVar("gateway_query_stats", default=None)


def track_queries() -> QueryStats:
    """Start counting SQL statements for the current task and the tasks it spawns."""
    stats = QueryStats()
    _current_stats.set(stats)
    return stats


def _before_execute(conn: Any, *_: Any) -> None:
    stats = _current_stats.get()
    if stats is not None:
        stats.statements += 1
        conn.info.setdefault("gw_started", []).append(time.perf_counter())


def _after_execute(conn: Any, *_: Any) -> None:
    stats = _current_stats.get()
    started = conn.info.get("gw_started")
    if stats is not None and started:
        stats.seconds += time.perf_counter() - started.pop()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    install_one_hand_off(dbapi_conn)  # a statement is one hand-off to aiosqlite's thread
    # WAL lets readers run beside a writer (several workers share one file); the busy timeout
    # makes a writer wait instead of failing at once.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_reset(dbapi_conn: Any, _record: Any, state: Any) -> None:
    """The pool's rollback-on-return, for SQLite: only when a transaction is open. A read
    (sqlite3 opens transactions for writes only) returns its connection without the rollback,
    which under aiosqlite is one more hand-off to the connection's thread per statement."""
    if state.transaction_was_reset or not state.asyncio_safe:
        return
    if dbapi_conn.driver_connection.in_transaction:
        dbapi_conn.rollback()


def _sqlite_file(engine: AsyncEngine) -> str | None:
    """The path of the engine's SQLite file; None for an in-memory database or a URL with
    options (a URI filename), which a second connection would not open the same way."""
    url = engine.url
    if url.query or _in_memory(url.render_as_string(hide_password=False)):
        return None
    return url.database


def _in_memory(url: str) -> bool:
    """SQLite in memory: SQLAlchemy picks a pool without a size."""
    database = make_url(url).database
    return database in (None, "", ":memory:") or "mode=memory" in url


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: float = 10.0,
    pool_recycle: int = 1800,
    echo: bool = False,
    pre_ping: bool = False,
    statement_timeout: float = 0,
    connect_timeout: float = 5.0,
) -> AsyncEngine:
    if url.startswith("sqlite"):
        # A file database keeps every connection it opens, up to the pool size plus the
        # overflow: each aiosqlite connection is a thread (and four PRAGMAs), and a pool that
        # closes its overflow on return opened and closed connections and threads all the
        # time under a few dozen concurrent requests (a served worker at 16 clients: ~2% of
        # its CPU in Thread.start alone).
        # The most recently returned connection is taken first: its thread is the one already
        # running, the others stay asleep (see Database.reading).
        sized = (
            {}
            if _in_memory(url)
            else {"pool_size": pool_size + max_overflow, "max_overflow": 0, "pool_use_lifo": True}
        )
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30},
            pool_reset_on_return=None,  # _sqlite_reset rolls back only what is open
            **sized,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine.pool, "reset", _sqlite_reset)
    else:
        engine = create_async_engine(
            url,
            echo=echo,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_recycle=pool_recycle,
            pool_pre_ping=pre_ping,
            # statement_timeout: PostgreSQL itself cancels a runaway statement, even when
            # the request that started it is gone.
            connect_args={
                "timeout": connect_timeout,
                "server_settings": (
                    {"statement_timeout": str(int(statement_timeout * 1000))}
                    if statement_timeout
                    else {}
                ),
            },
        )
    event.listen(engine.sync_engine, "before_cursor_execute", _before_execute)
    event.listen(engine.sync_engine, "after_cursor_execute", _after_execute)
    return engine


# The read gate of a database that needs none (a pool without a size).
OPEN: AbstractAsyncContextManager[None] = nullcontext()


class Database:
    """The one handle resolvers get: run Core selects, or open a write session.

    Reads pass a gate (``reading``): a fair queue, in arrival order, in front of the pool.

    - SQLite: ``sqlite_read_concurrency`` reads at once per process. Each aiosqlite connection
      is a thread; a dozen of them answering at once contend for the interpreter lock and hand
      off to each other (the home page at 16 clients: 2.4 ms of worker CPU per request with the
      pool's 20 threads, 1.8 ms with one read at a time; two at a time sit in between). The
      reads are index seeks of a millisecond or less (a search: a few ms).
    - PostgreSQL: as many reads as the pool keeps connections (its size, not its overflow). A
      burst of reads beyond the pool's size otherwise opens overflow connections that the pool
      closes again on return (a connection set-up per statement: the home page at 16 clients
      with the default pool of 10 ran at 450 req/s, 700 with the gate), and the pool's own
      queue lets a request that returns a connection take it back ahead of those waiting
      (1 s waits at 64 clients). The overflow stays for writes.

    Waiting for the gate costs nothing; writes are not gated.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        sqlite_read_concurrency: int = 1,
        sqlite_inline_reads: bool = True,
    ) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        # The hot statements' own connection on the loop's thread (SQLite files only).
        self.sqlite_reader: SqliteReader | None = None
        if self.is_sqlite and sqlite_inline_reads:
            path = _sqlite_file(engine)
            self.sqlite_reader = SqliteReader(path) if path is not None else None
        self._read_gate: AbstractAsyncContextManager[Any] = OPEN
        if self.is_sqlite:
            self._read_gate = asyncio.Semaphore(sqlite_read_concurrency)
        elif isinstance(engine.pool, QueuePool):  # not NullPool: no size to queue for
            self._read_gate = asyncio.Semaphore(engine.pool.size())
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        # Reads are single SELECTs: on PostgreSQL they run in autocommit, which saves the
        # BEGIN and ROLLBACK round trips a pooled connection would otherwise make per query.
        self.reader = (
            engine if self.is_sqlite else engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    def reading(self) -> AbstractAsyncContextManager[Any]:
        """Held around one read statement, never around anything that waits for another read
        (the gate is a semaphore)."""
        return self._read_gate

    async def all(self, stmt: Executable) -> Sequence[Row[Any]]:
        async with self._read_gate, self.reader.connect() as conn:
            result = await conn.execute(stmt)
            return result.all()

    async def one_or_none(self, stmt: Executable) -> Row[Any] | None:
        async with self._read_gate, self.reader.connect() as conn:
            result = await conn.execute(stmt)
            return result.first()

    async def scalar(self, stmt: Executable) -> Any:
        async with self._read_gate, self.reader.connect() as conn:
            return (await conn.execute(stmt)).scalar()

    async def dispose(self) -> None:
        if self.sqlite_reader is not None:
            self.sqlite_reader.close()
        await self.engine.dispose()


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
@overload
def as_utc(value: datetime | None) -> datetime | None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones."""
    if value is None:
        return None
    zone = value.tzinfo
    if zone is UTC:  # asyncpg's values, and ours once converted: the common case
        return value
    if zone is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def now_utc() -> datetime:
    return datetime.now(UTC)


def redact_url(url: str) -> str:
    """The database URL without its password, for error messages and logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
