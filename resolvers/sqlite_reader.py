"""The event loop's own connection to a SQLite file, for the hot statements.

Under aiosqlite every statement is handed to the connection's thread and its result handed back
(a queue, a thread wake-up, the interpreter lock changing hands twice, a wake-up of the event
loop), and the pool checks the connection out and in through greenlets: about 0.2 ms of CPU per
statement, more than an index seek on a page of rows costs SQLite itself. A hot statement runs
here instead, on a plain ``sqlite3`` connection, on the loop's thread:

- read-only (``PRAGMA query_only``) and never creating the file (``mode=rw``);
- in autocommit: every statement is its own read transaction, ended when its rows are fetched,
  so it sees every write committed before it (an acknowledged write is never missed);
- never waiting for a lock (``busy_timeout`` 0). In WAL mode readers do not wait for writers;
  when SQLite still answers "busy" (a checkpoint, a database not in WAL mode yet), or anything
  else goes wrong, ``fetch`` answers ``None`` and the caller runs the statement the usual way,
  on a pooled connection whose thread may wait. The connection is then reopened on next use.

What blocks the loop is the statement itself: the hot statements are index seeks bounded by a
page size. ``GATEWAY_DB_SQLITE_INLINE_READS=false`` sends them through the pool as well.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote


class SqliteReader:
    """One read-only connection to one SQLite file, opened on first use."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self.connection: sqlite3.Connection | None = None
        # The engine's statement events get this object as their connection: ``info`` is
        # where listeners keep per-connection state (timers, tracing spans).
        self.info: dict[str, Any] = {}
        # Only the event loop's thread reads here; the lock keeps a second loop in another
        # thread (a test, a CLI helper) from sharing the connection mid-statement.
        self.lock = threading.Lock()

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            f"file:{quote(self.path)}?mode=rw",
            uri=True,
            timeout=0,  # never wait for a lock: the pool's connections do that
            isolation_level=None,  # autocommit: no transaction outlives a statement
            check_same_thread=False,  # see ``lock``
        )
        connection.execute("PRAGMA query_only=ON")
        return connection

    def fetch(self, sql: str, arguments: Sequence[Any]) -> list[Any] | None:
        """The statement's rows, or ``None``: run it elsewhere (busy, or any error)."""
        with self.lock:
            try:
                if self.connection is None:
                    self.connection = self._open()
                cursor = self.connection.execute(sql, arguments)
                try:
                    return cursor.fetchall()
                finally:
                    cursor.close()
            except sqlite3.Error:
                self._close()
                return None

    def close(self) -> None:
        with self.lock:
            self._close()

    def _close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
