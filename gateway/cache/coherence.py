"""Keeps a response cache coherent with the database's recorded purges.

Every write records its purge in its own transaction (``resolvers.cache.purges``). A cache (a
process's memory LRU, or the Redis every process shares) remembers the last purge generation it
applied. Before a cached answer is served, ``verify`` looks for purges committed after that
generation (one index seek, nearly always empty) and applies them first, so:

- a write whose purge could not reach Redis (down, or frozen) is applied by the next read that
  would have hit, or by the background ``run`` loop, whichever comes first: durable, retried
  until done, and never answered around;
- several workers or instances with memory caches and no Redis see each other's writes before
  they answer from their own caches.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from gateway.cache.backends import CacheBackend
from resolvers.cache.purges import (
    latest_generation,
    prune_purges,
    purge_pending,
    purges_after,
)
from resolvers.db import Database, now_utc

log = logging.getLogger("gateway.cache")
T = TypeVar("T")

BACKEND_TIMEOUT = 2.0  # a frozen Redis must not hold a write's reply (its purge is on record)
NO_DEADLINE: contextlib.AbstractAsyncContextManager[None] = contextlib.nullcontext()


def within(
    backend: CacheBackend, seconds: float = BACKEND_TIMEOUT
) -> contextlib.AbstractAsyncContextManager[Any]:
    """The deadline for one call to ``backend``: ``seconds`` when it is remote (Redis), none
    for an in-process backend (its calls never wait; a timer per call was about 5% of a hit)."""
    return asyncio.timeout(seconds) if backend.remote else NO_DEADLINE


SYNC_INTERVAL = 2.0  # the background pass that applies purges nobody read around
PRUNE_EVERY = 600.0
KEEP_PURGES = timedelta(days=1)  # far longer than any cache lifetime


async def detached(work: Callable[[], Awaitable[T]]) -> T:
    """Bookkeeping SQL outside the request's statement count (Server-Timing ``db`` stays the
    resolvers' cost). ``work`` is called inside the new task: one cancelled before it starts
    (the app shutting down at that moment) leaves no coroutine behind that was never awaited."""
    return await asyncio.create_task(_run(work), context=contextvars.Context())


async def _run(work: Callable[[], Awaitable[T]]) -> T:
    return await work()


def _retrieve(task: asyncio.Task[bool]) -> None:
    """A shared check whose callers all went away must not log "exception never retrieved"."""
    if not task.cancelled():
        task.exception()


class PurgeSync:
    def __init__(
        self, backend: CacheBackend, db: Database, on_removed: Callable[[int], None] | None = None
    ) -> None:
        self.backend = backend
        self.db = db
        self.on_removed = on_removed  # counts answers the purges dropped (metrics)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._running: asyncio.Task[bool] | None = None  # the currency check under way
        self._next: asyncio.Task[bool] | None = None  # the one that starts after it
        self._warned = 0.0

    async def start(self) -> None:
        """A new memory cache is empty: it is current as of the latest purge. (Redis keeps its
        own generation; it is only set when missing.)"""
        await self.backend.start_generation(await detached(partial(latest_generation, self.db)))
        self._task = asyncio.create_task(self.run(), name="cache purge sync")

    async def stop(self) -> None:
        for check in (self._next, self._running):
            if check is not None:
                check.cancel()
                await asyncio.wait([check])
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def verify(self) -> bool:
        """On return, every purge committed before the call is applied to the cache. True: it
        already was (an answer looked up before the call may be served); False: purges were
        applied now (look the answer up again: it may be gone).

        Concurrent callers share one check (one index seek): a caller joins the next check to
        start, never one already running (that one may have read the log before the caller's
        request arrived). A burst of hits costs one query, and purges found pending are applied
        once for all of them, instead of each hit queueing on the lock with its own queries
        (a write made every concurrent hit wait behind all the others' round trips)."""
        if self._next is None:
            task = asyncio.create_task(
                self._check_after(self._running), name="cache purge check",
                context=contextvars.Context(),  # the log is not the request's SQL (Server-Timing)
            )  # fmt: skip
            task.add_done_callback(_retrieve)
            self._next = task
        return await asyncio.shield(self._next)

    async def _check_after(self, previous: asyncio.Task[bool] | None) -> bool:
        if previous is not None:
            await asyncio.wait([previous])  # one check at a time; its callers are not ours
        self._running, self._next = self._next, None  # from now on, callers wait for the next
        try:
            return await self._check()
        finally:
            if self._running is asyncio.current_task():
                self._running = None

    async def _check(self) -> bool:
        async with within(self.backend):
            applied = await self.backend.generation()
        if applied is None:  # Redis lost its state (restart, eviction): start over
            await self.backend.start_generation(await latest_generation(self.db))
            return False
        if not await purge_pending(self.db, applied):
            return True
        await self.apply()
        return False

    async def apply(self) -> int:
        """Apply every recorded purge the cache has not applied yet, in order; returns how
        many cached answers were dropped. Raises when the backend cannot be reached (the
        purges stay on record and are applied later)."""
        async with self._lock:
            removed = 0
            while True:
                async with within(self.backend):
                    applied = await self.backend.generation()
                if applied is None:
                    return removed
                pending = await detached(partial(purges_after, self.db, applied))
                if not pending:
                    return removed
                if pending[0].gen > applied + 1:
                    # Purges between were pruned: which answers they hit is unknown.
                    log.warning(
                        "cache missed purges %d-%d; clearing it", applied + 1, pending[0].gen - 1
                    )
                    async with within(self.backend, BACKEND_TIMEOUT * 10):
                        await self.backend.clear()
                tags = {tag for purge in pending for tag in purge.tags}
                async with within(self.backend):
                    dropped = await self.backend.invalidate(tags, pending[-1].gen)
                removed += dropped
                if self.on_removed is not None and dropped:
                    self.on_removed(dropped)

    async def run(self) -> None:
        """Apply purges left pending (a write while Redis was away) even if nobody reads."""
        last_prune = time.monotonic()
        while True:
            await asyncio.sleep(SYNC_INTERVAL)
            try:
                await self.apply()
                if time.monotonic() - last_prune > PRUNE_EVERY:
                    last_prune = time.monotonic()
                    await prune_purges(self.db, now_utc(), KEEP_PURGES)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis or the database away: try again next round
                if time.monotonic() - self._warned > 60:
                    self._warned = time.monotonic()
                    log.warning("cache purges pending, will retry: %r", exc)
