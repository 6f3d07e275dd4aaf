"""The event delivery worker: dispatch the outbox, deliver webhooks and purges, prune.

It runs as a background task of the server (``GATEWAY_EVENTS_WORKER``, on by default) and as
``content-gateway worker`` for deployments that want delivery apart from serving. Any number of
workers may run against PostgreSQL (claims use ``FOR UPDATE SKIP LOCKED``; see
``resolvers/deliveries.py``); on SQLite run one.

A loop turn: dispatch due events (publishing each to the live subscription hub), claim due
deliveries and send them concurrently, and now and then prune old delivered events, revisions
past their retention and articles whose time in the trash is over. When a turn
found nothing to do the worker sleeps ``GATEWAY_EVENTS_POLL_INTERVAL`` — or less: ``wake()``
(called after a write commits in this process) starts the next turn at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid

import httpx

from gateway.config.settings import Settings
from gateway.events.pubsub import EventHub
from gateway.events.purge import PurgeHook, purge_paths, surrogate_keys
from gateway.events.webhook_sender import send_webhook
from resolvers.db import Database, now_utc
from resolvers.events import deliveries
from resolvers.events.deliveries import Claimed, Outcome
from resolvers.revisions.retention import prune_revisions
from resolvers.revisions.trash import purge_trash

log = logging.getLogger("gateway.events.runtime")
PRUNE_EVERY_SECONDS = 300.0
ERROR_PAUSE_SECONDS = 5.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class EventWorker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        hub: EventHub | None = None,
        purge: PurgeHook | None = None,
        name: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.hub = hub
        self.purge = purge
        self.name = name or worker_name()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._limit = asyncio.Semaphore(settings.webhook_concurrency)
        self._last_prune = 0.0
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"event-worker {self.name}")

    async def stop(self) -> None:
        """Let the current turn finish (its requests are bounded by the webhook timeout), then
        stop; a delivery cut off anyway is retried once its lease expires."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.settings.webhook_timeout + 1)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run(self) -> None:
        try:
            while not self._stopping:
                try:
                    busy = await self.run_once()
                except asyncio.CancelledError:
                    raise
                except Exception:  # the database may be away for a moment: keep the loop alive
                    log.exception("event worker %s: turn failed", self.name)
                    await self._pause(ERROR_PAUSE_SECONDS)
                    continue
                if not busy:
                    await self._pause(self.settings.events_poll_interval)
        finally:
            await self.aclose()

    async def _pause(self, seconds: float) -> None:
        if not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), seconds)
            self._wake.clear()

    async def run_once(self) -> bool:
        """One turn; True when it dispatched or delivered anything (so: look again at once)."""
        s = self.settings
        events = await deliveries.dispatch(
            self.db, now_utc(), limit=s.events_batch_size, purge=self.purge is not None
        )
        if self.hub is not None:
            for event in events:
                await self._broadcast(event)
        claimed = await deliveries.claim(
            self.db,
            now_utc(),
            limit=s.events_batch_size,
            lease_seconds=s.events_lease_seconds,
            worker=self.name,
        )
        if claimed:
            await asyncio.gather(*(self._deliver(c) for c in claimed))
        if time.monotonic() - self._last_prune > PRUNE_EVERY_SECONDS:
            self._last_prune = time.monotonic()
            pruned = await deliveries.prune(self.db, now_utc(), s.events_retention_hours)
            if pruned:
                log.info("event worker %s: pruned %d old rows", self.name, pruned)
            await self.housekeeping()
        return bool(events or claimed)

    async def housekeeping(self) -> None:
        """Revisions past their retention, and articles whose time in the trash is over."""
        s = self.settings
        now = now_utc()
        pruned = await prune_revisions(self.db, now, s.revisions_keep_last, s.revisions_keep_days)
        purged = await purge_trash(self.db, now)
        if pruned or purged:
            log.info(
                "event worker %s: pruned %d revisions, purged %d trashed articles",
                self.name, pruned, purged,
            )  # fmt: skip

    async def _broadcast(self, event: deliveries.Event) -> None:
        assert self.hub is not None
        try:
            await self.hub.publish(
                {
                    "eventId": event.event_id,
                    "entityType": event.entity_type,
                    "entityId": event.entity_id,
                    **event.message(),
                }
            )
        except Exception:  # live messages are best effort; webhooks are the durable path
            log.exception("event worker %s: publishing %s failed", self.name, event.event_id)

    async def _deliver(self, claimed: Claimed) -> None:
        s = self.settings
        async with self._limit:
            try:
                outcome = await self._attempt(claimed)
            except Exception as exc:  # a purge hook's own failure, or a bug: retry later
                log.exception("event worker %s: delivery %d failed", self.name, claimed.id)
                error = f"{type(exc).__name__}: {exc}"[:500]
                outcome = Outcome(delivered=False, error=error, retryable=True)
            status = await deliveries.finish(
                self.db,
                claimed,
                outcome,
                now_utc(),
                max_attempts=s.webhook_max_attempts,
                backoff_base=s.webhook_backoff_base,
                backoff_max=s.webhook_backoff_max,
            )
        if status is None:
            log.warning(
                "event worker %s: lease of delivery %d expired before it finished; another "
                "worker owns it now",
                self.name,
                claimed.id,
            )
        elif status == "dead":
            log.error(
                "delivery %d of %s to %s dead-lettered after %d attempt(s): %s",
                claimed.id,
                claimed.event.event_id,
                claimed.queue,
                claimed.attempts,
                outcome.error,
            )

    async def _attempt(self, claimed: Claimed) -> Outcome:
        if claimed.webhook_id is None:
            if self.purge is None:
                return Outcome(delivered=False, error="no purge hook is configured")
            event = claimed.event
            await self.purge(surrogate_keys(event), purge_paths(event))
            return Outcome(delivered=True)
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False)
        return await send_webhook(
            self._client,
            claimed,
            request_timeout=self.settings.webhook_timeout,
            allow_private=self.settings.webhook_allow_private_targets,
        )
