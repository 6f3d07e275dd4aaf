"""Live event fan-out to subscription streams: in-process, or across instances through Redis.

The worker that dispatches an event publishes it once. Without Redis the message goes straight
to this process's subscribers. With ``GATEWAY_REDIS_URL`` it goes to a Redis pub/sub channel
that every instance listens on, and each instance hands it to its own subscribers (the publisher
included, so nobody gets it twice).

Listeners (``on_message``) see every message too, outside the subscriber count: a server with
an in-process response cache drops the answers an event made wrong, whoever wrote it (another
instance, or the CLI).

Live messages are best effort by nature: a subscriber that is too slow to keep up loses the
oldest messages (and a warning is logged); webhooks, not subscriptions, are the durable path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson

log = logging.getLogger("gateway.events.runtime")
QUEUE_SIZE = 256
RECONNECT_SECONDS = 1.0


class EventHub:
    def __init__(self, redis_url: str | None = None, channel: str = "content-gateway:events"):
        self.redis_url = redis_url
        self.channel = channel
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._redis: Any = None
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect to Redis (when configured) and listen; returns once subscribed, so a message
        published after ``start`` is never missed."""
        if self.redis_url is None:
            return
        from redis.asyncio import Redis

        self._redis = Redis.from_url(self.redis_url)
        pubsub = await self._subscribe()
        self._listener = asyncio.create_task(self._listen(pubsub), name="event-hub")

    async def _subscribe(self) -> Any:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self.channel)
        while True:  # wait for the confirmation: from here on, messages are ours
            message = await pubsub.get_message(timeout=5.0)
            if message is not None and message["type"] == "subscribe":
                return pubsub

    async def _listen(self, pubsub: Any) -> None:
        while True:
            try:
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        self._fan_out(orjson.loads(message["data"]))
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception as exc:  # Redis went away: keep serving, reconnect
                log.warning("event hub lost Redis (%s); reconnecting", exc)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                await asyncio.sleep(RECONNECT_SECONDS)
                with contextlib.suppress(Exception):
                    pubsub = await self._subscribe()

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def publish(self, message: dict[str, Any]) -> None:
        if self._redis is not None:
            await self._redis.publish(self.channel, orjson.dumps(message))
        else:
            self._fan_out(message)

    def on_message(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener`` with every message from now on (it must not block)."""
        self._listeners.append(listener)

    def _fan_out(self, message: dict[str, Any]) -> None:
        for listener in self._listeners:
            try:
                listener(message)
            except Exception:
                log.exception("an event listener failed")
        for queue in list(self._subscribers):
            if queue.full():
                queue.get_nowait()
                log.warning("a live subscriber is too slow; dropped its oldest event")
            queue.put_nowait(message)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue receiving every message published from now on, until the block exits."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)
