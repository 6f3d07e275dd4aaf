"""Every database connection a test opens is closed by the end of its teardown (issue #14 item
29).

A connection left open when its test ends is closed by nobody: an aiosqlite connection is then
garbage-collected unclosed at some later moment, and its warning lands on whichever test runs
the collector. Checked right after each test's teardown, the leak fails the test that made it.
Every connection SQLAlchemy opens in this process passes the pool's ``connect`` event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool


class ConnectionGuard:
    def __init__(self) -> None:
        self.opened: list[Any] = []

    def install(self) -> None:
        event.listen(Pool, "connect", self._connected)

    def _connected(self, dbapi_connection: Any, _record: Any) -> None:
        self.opened.append(dbapi_connection)

    def left_open(self) -> list[str]:
        """The connections opened since the last call that are still open; those are closed
        here (so that the leak fails one test, not whichever runs the collector next)."""
        found = [c.driver_connection for c in self.opened if is_open(c)]
        self.opened.clear()
        for driver in found:
            # Both close without the event loop: aiosqlite's worker thread closes, asyncpg
            # drops its socket.
            if hasattr(driver, "terminate"):
                driver.terminate()
            else:
                driver.stop()
        return [repr(d) for d in found]


def is_open(connection: Any) -> bool:
    driver = getattr(connection, "driver_connection", None)
    if driver is None:
        return False
    if hasattr(driver, "is_closed"):  # asyncpg
        return not driver.is_closed()
    # aiosqlite: its sqlite3 connection is still set (what its __del__ warns about) and no
    # close is on its way (``stop`` queues one for its worker thread).
    return getattr(driver, "_connection", None) is not None and getattr(driver, "_running", False)
