"""Every Redis client the gateway opens (response cache, rate limits, live events) waits for a
connection and a reply as long as ``GATEWAY_REDIS_CONNECT_TIMEOUT`` / ``GATEWAY_REDIS_TIMEOUT``
say: short by default so that an unreachable Redis cannot stall requests, longer where the
network to Redis is slow."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.app import cache_backend_from_settings
from gateway.config.settings import Settings, SettingsError, load_settings
from gateway.events.runtime import EventsRuntime
from gateway.guard.ratelimit import build_rate_limiter
from tests.conftest import REDIS_URL


def timeouts(client: Any) -> tuple[float, float]:
    kwargs = client.connection_pool.connection_kwargs
    return kwargs["socket_connect_timeout"], kwargs["socket_timeout"]


def test_defaults_are_short():
    settings = Settings(database_url="sqlite+aiosqlite:///x.db")
    assert (settings.redis_connect_timeout, settings.redis_timeout) == (1.0, 2.0)


@pytest.mark.parametrize("name", ["GATEWAY_REDIS_CONNECT_TIMEOUT", "GATEWAY_REDIS_TIMEOUT"])
@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_timeout_must_be_a_positive_number(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert name in str(raised.value)


async def test_every_redis_client_uses_the_configured_timeouts(settings, db):
    if not REDIS_URL:
        pytest.skip("GATEWAY_TEST_REDIS_URL is not set")
    configured = settings.model_copy(
        update={"redis_url": REDIS_URL, "redis_connect_timeout": 3.5, "redis_timeout": 4.5}
    )
    cache = await cache_backend_from_settings(
        configured.model_copy(update={"cache_backend": "redis"})
    )
    limiter = build_rate_limiter(configured)
    events = await EventsRuntime.start(db, configured, run_worker=False)
    try:
        assert timeouts(cache.client) == (3.5, 4.5)  # type: ignore[attr-defined]
        assert timeouts(limiter.redis) == (3.5, 4.5)
        # Live events block on Redis for their poll interval: only the connect timeout applies.
        assert timeouts(events.hub._redis)[0] == 3.5
    finally:
        await events.stop()
        await cache.close()
        await limiter.aclose()
