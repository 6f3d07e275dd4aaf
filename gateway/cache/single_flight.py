"""Single flight for response-cache misses: N identical cacheable requests that miss at once
execute once; the others wait for that execution and are answered from the cache it filled.

In one process the first request for a key leads and the rest wait on an event. With Redis, the
leader also takes a short lock (``SET NX PX``) so that other instances wait too instead of all
running the query after a purge; a waiter on another instance looks the cache up again every
few milliseconds until the entry appears or the lock expires. A waiter that still misses after
the wait (the leader's answer was not stored: errors, private) runs the query itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

log = logging.getLogger("gateway.cache")

POLL_SECONDS = 0.01


class SingleFlight:
    def __init__(self, wait_seconds: float, redis: Any = None, prefix: str = "") -> None:
        self.wait_seconds = wait_seconds
        self.redis = redis
        self.prefix = prefix
        self.flights: dict[str, asyncio.Event] = {}
        self.executions = 0  # cacheable misses that executed (leaders), for tests and metrics

    async def lead(self, key: str, wait: float | None = None) -> bool:
        """True: the caller executes (and must ``release``); False: it waited for a leader
        (at most ``wait`` seconds, by default ``wait_seconds``)."""
        wait = self.wait_seconds if wait is None else max(wait, 0.0)
        event = self.flights.get(key)
        if event is not None:
            await self._wait(event, wait)
            return False
        event = self.flights[key] = asyncio.Event()
        if self.redis is not None and not await self._lock(key):
            # Another instance leads: wait for it like a local follower, then look again.
            del self.flights[key]
            event.set()
            await self._poll(key, wait)
            return False
        self.executions += 1
        return True

    async def release(self, key: str) -> None:
        event = self.flights.pop(key, None)
        if event is not None:
            event.set()
        if self.redis is not None:
            await self._unlock(key)

    async def _wait(self, event: asyncio.Event, wait: float) -> None:
        # A slow leader: run the query rather than wait longer.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), wait)

    async def _lock(self, key: str) -> bool:
        try:
            millis = int(self.wait_seconds * 1000)
            return bool(await self.redis.set(self._key(key), b"1", nx=True, px=millis))
        except Exception:  # a cache outage must not take reads down
            log.warning("single-flight lock unavailable; executing", exc_info=True)
            return True

    async def _unlock(self, key: str) -> None:
        try:
            await self.redis.delete(self._key(key))
        except Exception:
            log.warning("single-flight unlock failed (the lock expires)", exc_info=True)

    async def _poll(self, key: str, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                if not await self.redis.exists(self._key(key)):
                    return
            except Exception:
                return
            await asyncio.sleep(POLL_SECONDS)

    def _key(self, key: str) -> str:
        return f"{self.prefix}f:{key}"
