"""Fixtures: a real database per test (SQLite file; PostgreSQL when configured), the real app
over HTTP (httpx + ASGITransport inside a LifespanManager)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from gateway.app import create_app
from gateway.cli.main import run_migrations
from gateway.config.settings import Settings
from resolvers.db import Database, make_engine
from tests.connections_support import ConnectionGuard
from tests.live_server import DB_CONNECT_TIMEOUT, EXECUTION_TIMEOUT, lifespan

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("GATEWAY_TEST_REDIS_URL")
REQUIRE_SERVICES = os.environ.get("GATEWAY_TEST_REQUIRE_SERVICES") == "1"
GUARD = ConnectionGuard()
GUARD.install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After every fixture of the test is finalised: none of its connections is left open."""
    result = yield
    left = GUARD.left_open()
    if left:
        pytest.fail(f"{item.nodeid} left {len(left)} database connection(s) open: {left}")
    return result


def skip_or_fail(reason: str) -> None:
    """On CI (GATEWAY_TEST_REQUIRE_SERVICES=1) a missing service is an error, not a skip."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def _plain_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    assert POSTGRES_URL is not None
    conn = await asyncpg.connect(_plain_dsn(POSTGRES_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


# DROP DATABASE makes PostgreSQL take a checkpoint and wait for it: seconds on a busy machine.
# A test's own database is dropped beside the tests that follow; the session waits for every
# drop (and fails on any that failed) at its end.
_DROPS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-database")
_dropping: list[Future[None]] = []


def _drop_later(name: str) -> None:
    sql = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    _dropping.append(_DROPS.submit(asyncio.run, _admin(sql)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _DROPS.shutdown(wait=True)
    for drop in _dropping:
        drop.result()


def _admin_sync(sql: str) -> None:
    """For session fixtures, which may be set up while a test's event loop is running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _admin(sql)).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    run_migrations(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not POSTGRES_URL:
        skip_or_fail("GATEWAY_TEST_POSTGRES_URL is not set")
    assert POSTGRES_URL is not None
    name = f"gw_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _admin_sync(f'CREATE DATABASE "{name}"')
    try:
        run_migrations(make_url(POSTGRES_URL).set(database=name).render_as_string(False))
        yield name
    finally:
        _admin_sync(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def postgres_shared(postgres_template: str) -> Iterator[str]:
    """One migrated PostgreSQL database per test session; tests empty it before they run."""
    assert POSTGRES_URL is not None
    name = f"gw_s_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _admin_sync(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    finally:
        _admin_sync(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _truncate_all(url: str) -> None:
    conn = await asyncpg.connect(_plain_dsn(url))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
        names = ", ".join(f'"{t["tablename"]}"' for t in tables)
        await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture
async def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """An empty, migrated database for this test: a fresh SQLite file, or the session's
    PostgreSQL database with every table truncated (creating a database per test is slow)."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_shared")
    await _truncate_all(url)
    yield url


@pytest.fixture
async def isolated_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """A database of its own, for tests that change the schema or break the database."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "isolated.db"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    assert POSTGRES_URL is not None
    name = f"gw_t_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    finally:
        _drop_later(name)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def settings(
    database_url: str, settings_overrides: dict[str, Any], request: pytest.FixtureRequest
) -> Settings:
    """A module may set ``MODULE_SETTINGS`` for all its tests; ``settings_overrides`` wins.
    The event worker is off unless a test asks for it: most tests assert one request's
    behaviour, and a background poller only adds load and timing noise to them."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "site_url": "https://news.example.com",
        "site_name": "Example News",
        "events_worker": False,
        "db_connect_timeout": DB_CONNECT_TIMEOUT,
        "execution_timeout": EXECUTION_TIMEOUT,
        **getattr(request.module, "MODULE_SETTINGS", {}),
        **settings_overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings kwarg


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """Direct access for arranging data (the app under test has its own engine)."""
    database = Database(make_engine(database_url, connect_timeout=DB_CONNECT_TIMEOUT))
    yield database
    await database.dispose()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with lifespan(application) as manager:
        yield manager.app


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A Redis key prefix no other test (or helper sharing this Redis) uses; its keys are
    deleted afterwards. Needs GATEWAY_TEST_REDIS_URL."""
    if not REDIS_URL:
        skip_or_fail("GATEWAY_TEST_REDIS_URL is not set")
    import redis

    prefix = f"cgtest:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
