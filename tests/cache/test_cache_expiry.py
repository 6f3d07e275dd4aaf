"""A cached answer never outlives a scheduled publication: its lifetime is computed when it is
stored, and every hit checks the entry's ``not_after`` (memory and Redis backends)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from gateway.app import create_app
from gateway.cache.backends import CachedResponse
from tests.cache_support import backend_settings, cache_status, get
from tests.live_server import lifespan
from tests.support import add_article, add_author

HOME = "{ articles { nodes { slug } } }"


@pytest.fixture(params=["memory", "redis"])
def cache_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_overrides(cache_backend: str, request: pytest.FixtureRequest):
    return backend_settings(cache_backend, request)


@pytest.fixture
async def app(settings):
    application = create_app(settings)
    async with lifespan(application):
        yield application


@pytest.fixture
async def scheduled(db):
    """An article that went public 30 s ago."""
    ada = await add_author(db, "Ada Lovelace")
    await add_article(
        db, "Old news", authors=[ada], published_at=datetime.now(UTC) - timedelta(hours=1)
    )
    return await add_article(
        db, "Just out", authors=[ada], published_at=datetime.now(UTC) - timedelta(seconds=30)
    )


async def test_slow_request_does_not_store_past_the_publication(app, client, scheduled):
    # A request that started a minute ago (a slow one): then, "just-out" was still scheduled.
    started = datetime.now(UTC) - timedelta(seconds=60)
    app.state.clock = lambda: started
    slow = await get(client, HOME)
    assert [n["slug"] for n in slow.json()["data"]["articles"]["nodes"]] == ["old-news"]
    del app.state.clock
    now = await get(client, HOME)
    assert cache_status(now) != "hit"
    assert [n["slug"] for n in now.json()["data"]["articles"]["nodes"]] == ["just-out", "old-news"]


async def test_a_hit_past_its_not_after_is_not_served(app, client, scheduled):
    first = await get(client, HOME)
    assert cache_status(await get(client, HOME)) == "hit"
    backend = app.state.cache.backend
    if backend.name == "memory":
        key = next(k[2:] for k in backend._items if k.startswith("r:"))
    else:
        raw = [k async for k in backend.client.scan_iter(match=f"{backend.prefix}r:*")]
        key = raw[0].decode()[len(backend.prefix) + 2 :]
    stale = CachedResponse(
        b'{"data":{"articles":{"nodes":[]}}}', '"x"', ("list:article",), time.time() - 1
    )
    _, seq = await backend.lookup(key)
    assert await backend.store(key, stale, 300, stale.tags, seq)
    again = await get(client, HOME)
    assert cache_status(again) == "miss"
    assert again.content == first.content
