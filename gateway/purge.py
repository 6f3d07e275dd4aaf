"""CDN purge hooks, run by a background task so a write's response never waits for a CDN.

A hook is ``async def hook(tags: frozenset[str]) -> None``. The built-in one POSTs
``{"tags": [...]}`` to ``GATEWAY_CACHE_PURGE_URL`` (a purge-by-tag relay for Fastly, Cloudflare,
Varnish xkey, or a frontend's revalidation endpoint), retrying with backoff. More hooks can be
appended to ``PurgeQueue.hooks`` (the events outbox can feed the same queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import httpx

from gateway.config import Settings

log = logging.getLogger("gateway.purge")

PurgeHook = Callable[[frozenset[str]], Awaitable[None]]
QUEUE_SIZE = 1000
ATTEMPTS = 3
STOP_GRACE_SECONDS = 5.0  # shutdown waits this long for queued purges


def webhook_hook(url: str, timeout: float) -> PurgeHook:
    async def purge(tags: frozenset[str]) -> None:
        async with httpx.AsyncClient(timeout=timeout) as client:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    response = await client.post(url, json={"tags": sorted(tags)})
                    if response.status_code < 500:
                        if response.status_code >= 400:
                            log.error(
                                "purge webhook refused %s: HTTP %s", url, response.status_code
                            )
                        return
                    reason = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                if attempt == ATTEMPTS:
                    log.error("purge webhook %s failed after %d attempts: %s", url, attempt, reason)
                    return
                await asyncio.sleep(0.2 * 2**attempt)

    return purge


class PurgeQueue:
    """Tags waiting for the purge hooks; bursts are merged into one call per hook."""

    def __init__(self, settings: Settings) -> None:
        self.hooks: list[PurgeHook] = []
        if settings.cache_purge_url:
            self.hooks.append(webhook_hook(settings.cache_purge_url, settings.cache_purge_timeout))
        self._queue: asyncio.Queue[frozenset[str]] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._queue = asyncio.Queue(QUEUE_SIZE)
        self._task = asyncio.create_task(self._run(), name="cache-purge")

    def submit(self, tags: set[str]) -> None:
        if not self.hooks or self._queue is None:
            return
        try:
            self._queue.put_nowait(frozenset(tags))
        except asyncio.QueueFull:
            log.error("purge queue full; dropped a purge of %d tags", len(tags))

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            tags = set(await self._queue.get())
            taken = 1
            while not self._queue.empty():
                tags |= self._queue.get_nowait()
                taken += 1
            for hook in list(self.hooks):
                try:
                    await hook(frozenset(tags))
                except Exception:
                    log.exception("purge hook %r failed", hook)
            for _ in range(taken):
                self._queue.task_done()

    async def drain(self) -> None:
        """Wait until every queued purge has been handed to the hooks."""
        if self._queue is not None:
            await self._queue.join()

    async def stop(self) -> None:
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drain(), STOP_GRACE_SECONDS)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
