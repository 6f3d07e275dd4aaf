"""/healthz, /readyz and the database pool settings, against real databases and Redis."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.config.settings import Settings
from tests.conftest import REDIS_URL, skip_or_fail
from tests.live_server import lifespan
from tests.ops_support import TcpProxy
from tests.support import gql, ok


async def serve(settings: Settings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    application = create_app(settings)
    async with lifespan(application) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield application, c


@pytest.fixture
async def db_proxy(database_url: str, backend: str) -> AsyncIterator[TcpProxy | None]:
    """PostgreSQL behind a TCP proxy the test can cut; SQLite needs none."""
    if backend != "postgres":
        yield None
        return
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def gateway(
    settings: Settings, db_proxy: TcpProxy | None
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    if db_proxy is not None:
        proxied = make_url(settings.database_url).set(host="127.0.0.1", port=db_proxy.port)
        settings = settings.model_copy(
            update={"database_url": proxied.render_as_string(hide_password=False)}
        )
    async for served in serve(settings):
        yield served


async def test_healthz_answers_while_the_process_lives(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_follows_the_database_being_cut_and_restored(
    gateway: tuple[Starlette, httpx.AsyncClient],
    db_proxy: TcpProxy | None,
    settings: Settings,
) -> None:
    _, client = gateway
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["revision"]
    assert "redis" not in body["checks"]  # not configured
    assert ready.headers["cache-control"] == "no-store"

    sqlite_file = Path(make_url(settings.database_url).database or "")
    moved = sqlite_file.with_suffix(".moved")
    if db_proxy is not None:
        await db_proxy.cut()
    else:
        shutil.move(sqlite_file, moved)

    cut = await client.get("/readyz")
    assert cut.status_code == 503
    check = cut.json()["checks"]["database"]
    assert cut.json()["status"] == "unready"
    assert check["status"] == "fail"
    assert check["error"]
    assert (await client.get("/healthz")).status_code == 200  # alive, just not ready

    if db_proxy is not None:
        await db_proxy.restore()
    else:
        shutil.move(moved, sqlite_file)

    back = await client.get("/readyz")
    assert back.status_code == 200, back.text
    ok(await gql(client, "{ articles { totalCount } }"))


@pytest.fixture
async def redis_proxy() -> AsyncIterator[TcpProxy]:
    if not REDIS_URL:
        skip_or_fail("GATEWAY_TEST_REDIS_URL is not set")
    assert REDIS_URL is not None
    url = make_url(REDIS_URL)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 6379)
    await proxy.start()
    yield proxy
    await proxy.close()


async def test_readyz_checks_redis_when_configured(
    settings: Settings, redis_proxy: TcpProxy
) -> None:
    assert REDIS_URL is not None
    proxied = make_url(REDIS_URL).set(host="127.0.0.1", port=redis_proxy.port)
    configured = settings.model_copy(
        update={
            "redis_url": proxied.render_as_string(hide_password=False),
            "readiness_timeout": 1.0,
        }
    )
    async for _, client in serve(configured):
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["redis"]["status"] == "ok"

        await redis_proxy.cut()
        cut = await client.get("/readyz")
        # Redis is optional: the instance still serves, so it stays in rotation, degraded.
        assert cut.status_code == 200
        assert cut.json()["status"] == "ready"
        checks = cut.json()["checks"]
        assert checks["redis"]["status"] == "degraded"
        assert checks["database"]["status"] == "ok"

        await redis_proxy.restore()
        assert (await client.get("/readyz")).status_code == 200


async def test_pool_settings_are_applied(settings: Settings, backend: str) -> None:
    tuned = settings.model_copy(
        update={
            "db_pool_size": 1,
            "db_max_overflow": 0,
            "db_pool_timeout": 0.3,
            "db_pool_recycle": 600,
            "db_pool_pre_ping": True,
            "readiness_timeout": 5.0,
        }
    )
    async for app, client in serve(tuned):
        engine = app.state.db.engine
        if backend == "postgres":
            pool = engine.pool
            assert pool.size() == 1
            assert pool.timeout() == 0.3
            assert pool._recycle == 600  # no public accessor
            assert pool._pre_ping is True
            # The only connection is taken: readiness gives up after the pool timeout,
            # well before its own 5 s, and says why.
            async with engine.connect():
                busy = await client.get("/readyz")
                assert busy.status_code == 503
                check = busy.json()["checks"]["database"]
                assert check["duration_ms"] < 3000
                assert "TimeoutError" in check["error"]
            assert (await client.get("/readyz")).status_code == 200
        else:
            # SQLite: WAL (readers beside a writer, several workers on one file) and a busy
            # timeout (a writer waits for the lock instead of failing at once).
            async with engine.connect() as conn:
                mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
                busy_ms = (await conn.execute(text("PRAGMA busy_timeout"))).scalar()
            assert mode == "wal"
            assert busy_ms >= 1000


async def test_background_tasks_stop_and_pool_closes_on_shutdown(settings: Settings) -> None:
    application = create_app(settings)
    async with lifespan(application):
        tasks = dict(application.state.background.tasks)
        assert "pool-sampler" in tasks
        assert not any(t.done() for t in tasks.values())
        pool = application.state.db.engine.pool
        async with application.state.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        assert pool.checkedin() >= 1
    assert all(t.done() for t in tasks.values())
    assert pool.checkedin() == 0  # disposed: its connections are closed
