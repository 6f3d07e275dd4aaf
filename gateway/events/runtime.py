"""The event machinery an app (or the ``worker`` command) runs: the live hub and the worker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from gateway.cache.responses import CacheLayer
from gateway.config.settings import Settings
from gateway.events.pubsub import EventHub
from gateway.events.purge import purge_hook_from_settings
from gateway.events.worker import EventWorker
from resolvers.cache.purges import purge_recorder
from resolvers.changes import ChangeHooks, ChangeSet
from resolvers.db import Database
from resolvers.events.change_events import outbox_hook
from resolvers.site import Site

log = logging.getLogger("gateway.events.runtime")


@dataclass
class EventsRuntime:
    hub: EventHub
    worker: EventWorker | None

    @classmethod
    async def start(
        cls, db: Database, settings: Settings, *, run_worker: bool, name: str | None = None
    ) -> EventsRuntime:
        hub = EventHub(
            settings.redis_url,
            settings.events_redis_channel,
            settings.redis_warning_interval,
            connect_timeout=settings.redis_connect_timeout,
        )
        await hub.start()
        worker = None
        if run_worker:
            purge = purge_hook_from_settings(settings)
            worker = EventWorker(db, settings, hub=hub, purge=purge, name=name)
            worker.start()
        return cls(hub, worker)

    def wake(self) -> None:
        """A write committed here: deliver its events now rather than at the next poll."""
        if self.worker is not None:
            self.worker.wake()

    async def stop(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
        await self.hub.stop()


def write_hooks(
    site: Site,
    cache: CacheLayer | None,
    runtime: Callable[[], EventsRuntime | None] = lambda: None,
) -> ChangeHooks:
    """The change hooks of every writer, the API's and the CLI's alike: each write records its
    outbox events in its own transaction (webhooks, CDN purges, live subscribers); once it
    commits, the response cache drops the answers it made wrong (``cache``: this process's, or
    the shared Redis one) and this process's worker (``runtime()``, once started) delivers the
    events at once instead of at its next poll."""
    # The purge is recorded in the write's transaction (``resolvers.cache.purges``): every
    # process's cache applies it before its next hit, even when it cannot be applied now.
    hooks = ChangeHooks(in_transaction=[outbox_hook, purge_recorder(site)])
    if cache is not None:
        hooks.after_commit.append(cache.after_commit)

    async def wake(_: ChangeSet) -> None:
        current = runtime()
        if current is not None:
            current.wake()

    hooks.after_commit.append(wake)
    return hooks
