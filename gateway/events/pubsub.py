"""Live event fan-out to subscription streams: in-process, or across instances through Redis.

The worker that dispatches an event publishes it once. Without Redis the message goes straight
to this process's subscribers. With ``GATEWAY_REDIS_URL`` it goes to a Redis pub/sub channel
that every instance listens on, and each instance hands it to its own subscribers (the publisher
included, so nobody gets it twice).

Redis may go away at any time: publishing then reaches this instance's subscribers only, the
listener reconnects with exponential backoff, and the outage is logged once (not per message).

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

from gateway.config.redis import OutageNotice, redis_client

log = logging.getLogger("gateway.events.runtime")
QUEUE_SIZE = 256
BACKOFF_MIN = 0.5  # seconds before the first reconnection attempt; doubles up to BACKOFF_MAX
BACKOFF_MAX = 10.0
POLL_SECONDS = 5.0  # longest wait for a message: a lost connection is noticed at least this often


class EventHub:
    def __init__(
        self,
        redis_url: str | None = None,
        channel: str = "content-gateway:events",
        warning_interval: float = 60.0,
        connect_timeout: float = 1.0,
    ):
        self.redis_url = redis_url
        self.channel = channel
        self.connect_timeout = connect_timeout
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._redis: Any = None
        self._listener: asyncio.Task[None] | None = None
        self.outage = OutageNotice(
            log, "live events", "events reach this instance's subscribers only", warning_interval
        )

    async def start(self) -> None:
        """Connect to Redis (when configured) and listen; returns once subscribed, so a message
        published after ``start`` is never missed. With Redis unreachable it returns at once
        and keeps trying in the background."""
        if self.redis_url is None:
            return
        self._redis = redis_client(
            self.redis_url, connect_timeout=self.connect_timeout, timeout=POLL_SECONDS + 5
        )
        pubsub = None
        try:
            pubsub = await self._subscribe()
        except Exception as exc:
            self.outage.failed(exc)
        self._listener = asyncio.create_task(self._listen(pubsub), name="event-hub")

    async def _subscribe(self) -> Any:
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            async with asyncio.timeout(POLL_SECONDS):
                while True:  # wait for the confirmation: from here on, messages are ours
                    message = await pubsub.get_message(timeout=POLL_SECONDS)
                    if message is not None and message["type"] == "subscribe":
                        return pubsub
        except BaseException:
            await _close(pubsub)
            raise

    async def _listen(self, pubsub: Any) -> None:
        """Receive until the connection fails, then reconnect with exponential backoff. Every
        path through the loop awaits: a dead connection can never make it spin."""
        delay = BACKOFF_MIN
        while True:
            try:
                if pubsub is None:
                    pubsub = await self._subscribe()
                self.outage.recovered()
                delay = BACKOFF_MIN
                await self._receive(pubsub)
            except asyncio.CancelledError:
                await _close(pubsub)
                raise
            except Exception as exc:  # Redis went away: keep serving, reconnect later
                self.outage.failed(exc)
            await _close(pubsub)
            pubsub = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)

    async def _receive(self, pubsub: Any) -> None:
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_SECONDS)
            if message is not None and message["type"] == "message":
                self._fan_out(orjson.loads(message["data"]))
            elif message is None and not pubsub.subscribed:
                raise ConnectionError("the subscription ended")

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
        """Through Redis to every instance; with Redis unreachable, to this instance's own
        subscribers at least (live messages are best effort)."""
        if self._redis is not None:
            try:
                await self._redis.publish(self.channel, orjson.dumps(message))
                return
            except Exception as exc:
                self.outage.failed(exc)
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


async def _close(pubsub: Any) -> None:
    if pubsub is not None:
        with contextlib.suppress(Exception):
            await pubsub.aclose()
