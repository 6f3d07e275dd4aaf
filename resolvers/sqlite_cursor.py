"""Pooled SQLite statements in one hand-off to aiosqlite's thread instead of four.

SQLAlchemy's aiosqlite adapter opens a cursor, executes, fetches and closes it, each an
``await`` on the connection's thread: four hand-offs per statement, and every hand-off waits for
a turn of the event loop, which under load lasts as long as everything else that is ready. A
save (some forty statements on one connection) took 39 ms with no load and about a second at 64
clients. ``OneHandOffCursor`` does the four steps in one call on that thread and keeps what the
caller reads afterwards (rows, description, rowcount, last row id); it answers like the cursor it
replaces, errors included (they are raised on the thread and mapped by the adapter as before).

Only the buffered cursor changes; server-side cursors (``stream_results``) stay SQLAlchemy's.
``install`` switches one pooled connection over, from the engine's ``connect`` event. It builds
on SQLAlchemy 2.1's asyncio adapter (``_execute_mutex``, ``_cursor_cls``, ``_handle_exception``;
``pyproject.toml`` pins 2.1): ``tests/ops/test_sqlite_one_hand_off.py`` fails if those change.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.util import EMPTY_DICT, await_

_Outcome = tuple[list[Any] | None, Any, int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """On the connection's thread: the whole statement, its rows and what the cursor reports."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return rows, description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHandOffCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statements run in one call on the connection's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor is opened up front (that was a hand-off of its own).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # the statement's cursor lives on the thread
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]  # None before a statement, as sqlite3's

    async def _async_soft_close(self) -> None:
        """The thread's cursor is closed already; its rows and description stay readable."""

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._statement(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._statement(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _statement(self, operation: Any, parameters: Any, many: bool) -> None:
        connection = self._connection
        async with self._adapt_connection._execute_mutex:
            rows, description, rowcount, lastrowid = await connection._execute(
                _run, connection._conn, operation, parameters, many
            )
        self._description = description
        self._rowcount = rowcount
        self._lastrowid = lastrowid
        self._rows = collections.deque(rows) if rows is not None else collections.deque()

    def nextset(self) -> None:
        self._rows.clear()  # sqlite3 has no further result sets

    def setinputsizes(self, *inputsizes: Any) -> None:
        """sqlite3 ignores input sizes."""


class OneHandOffConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHandOffCursor


def install(dbapi_connection: Any) -> None:
    """Give a freshly opened pooled aiosqlite connection the one-hand-off cursor (the same
    object, its class narrowed to a subclass that only names another cursor class)."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHandOffConnection
