"""The event machinery an app (or the ``worker`` command) runs: the live hub and the worker."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from gateway.config import Settings
from gateway.event_purge import purge_hook_from_settings
from gateway.pubsub import EventHub
from gateway.worker import EventWorker
from resolvers.db import Database

log = logging.getLogger("gateway.events")


@dataclass
class EventsRuntime:
    hub: EventHub
    worker: EventWorker | None

    @classmethod
    async def start(
        cls, db: Database, settings: Settings, *, run_worker: bool, name: str | None = None
    ) -> EventsRuntime:
        hub = EventHub(settings.redis_url, settings.events_redis_channel)
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
