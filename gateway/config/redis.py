"""Redis as an optional dependency: how its clients connect, and how an outage is reported.

Redis holds shared state (the response cache, rate-limit buckets, live-event fan-out) but the
gateway serves without it. Every client built here fails fast (short timeouts, no retry loops of
its own: the caller falls back and tries again later), and each component reports an outage
with one warning line, at most once per interval, never a traceback per request.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any


def redis_client(url: str, *, connect_timeout: float, timeout: float) -> Any:
    """An asyncio Redis client that gives up quickly instead of retrying on its own.

    The timeouts come from the settings (``GATEWAY_REDIS_CONNECT_TIMEOUT``,
    ``GATEWAY_REDIS_TIMEOUT``): short, so that a black-holed host cannot stall a request."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return Redis.from_url(
        url,
        socket_connect_timeout=connect_timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class OutageNotice:
    """Logs "<what> lost Redis" once when it fails (then at most once per ``interval``) and
    "<what> has Redis again" once when it works again."""

    def __init__(self, logger: logging.Logger, what: str, effect: str, interval: float) -> None:
        self.log = logger
        self.what = what
        self.effect = effect
        self.interval = interval
        self.down = False
        self._last_warning = -math.inf

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        self.down = True
        if now - self._last_warning >= self.interval:
            self._last_warning = now
            self.log.warning(f"{self.what}: Redis is unreachable ({describe(exc)}); {self.effect}")

    def recovered(self) -> None:
        if self.down:
            self.down = False
            self._last_warning = -math.inf
            self.log.warning(f"{self.what}: Redis is reachable again")
