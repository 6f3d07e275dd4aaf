"""The physical-limit reference: the benchmark's documents answered on the database driver
directly (asyncpg on PostgreSQL, sqlite3 on the event loop's thread on SQLite), no SQLAlchemy.

Same SQL and the same JSON as ``bench.reference`` (whose response building and SEO fallbacks it
reuses); only the data access differs: one pooled asyncpg connection per statement with
prepared-statement caching, or one sqlite3 connection. ``tests/bench`` checks that it answers
exactly what the gateway answers.

Serve it with ``hypercorn "bench.reference_raw:create_app()"``; it reads the same ``GATEWAY_*``
settings as the gateway (database URL, pool size, site URL and name, title template).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.operations import ARTICLE_QUERY, HOME_PAGE_SIZE, HOME_QUERY
from bench.reference import (
    ARTICLE_SQL,
    HOME_SQL,
    LINKS_SQL,
    Shaper,
    _error,
    _params,
    _persisted,
)
from gateway.app import site_from_settings
from gateway.config.settings import Settings, load_settings
from resolvers.site import Site

PARAM = re.compile(r":(\w+)")
STATEMENTS: ContextVar[list[int]] = ContextVar("reference_raw_statements")


def _positional(sql: str, dollar: bool) -> tuple[str, list[str]]:
    """``:name`` parameters as ``$n`` (asyncpg) or ``?`` (sqlite3), with their order."""
    names: list[str] = []

    def place(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"${len(names)}" if dollar else "?"

    return PARAM.sub(place, sql), names


class Row:
    """Attribute access over a driver row (``bench.reference`` reads ``row.name``)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return self._values[name]


class Driver:
    """Run the reference's statements on asyncpg or sqlite3."""

    def __init__(self, url: str, pool_size: int) -> None:
        parsed = make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        self.url = parsed
        self.pool_size = pool_size
        self.statements = {
            name: _positional(str(stmt), dollar=not self.sqlite)
            for name, stmt in (("home", HOME_SQL), ("article", ARTICLE_SQL), ("links", LINKS_SQL))
        }
        self.handle: Any = None

    async def start(self) -> None:
        if self.sqlite:
            # On the event loop's thread, as the gateway runs its hot reads (a thread hand-off
            # per statement, as aiosqlite makes, costs more than the statement itself).
            self.handle = sqlite3.connect(
                self.url.database or "", isolation_level=None, check_same_thread=False
            )
            self.handle.execute("PRAGMA query_only=ON")
            self.handle.row_factory = _sqlite_row
            return
        import asyncpg

        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.handle = await asyncpg.create_pool(dsn, min_size=1, max_size=self.pool_size)

    async def stop(self) -> None:
        if self.handle is None:
            return
        if self.sqlite:
            self.handle.close()
        else:
            await self.handle.close()

    async def fetch(self, name: str, params: dict[str, Any]) -> list[Row]:
        sql, order = self.statements[name]
        values = [params[n] for n in order]
        STATEMENTS.get([]).append(1)
        if self.sqlite:
            values = [_sqlite_value(v) for v in values]
            cursor = self.handle.execute(sql, values)
            try:
                return [Row(r) for r in cursor.fetchall()]
            finally:
                cursor.close()
        return [Row(dict(r.items())) for r in await self.handle.fetch(sql, *values)]


def _sqlite_value(value: Any) -> Any:
    # SQLAlchemy stores datetimes on SQLite as naive UTC text with microseconds.
    if isinstance(value, datetime):
        return (
            value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        )
    return value


def _sqlite_row(cursor: Any, row: tuple[Any, ...]) -> dict[str, Any]:
    values = {c[0]: v for c, v in zip(cursor.description, row, strict=True)}
    if isinstance(values.get("published_at"), str):
        values["published_at"] = datetime.fromisoformat(values["published_at"])
    return values


class RawReference:
    def __init__(self, driver: Driver, site: Site) -> None:
        self.driver = driver
        self.shape = Shaper(site)

    async def home(self, _variables: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC)
        return self.shape.home(
            await self.driver.fetch("home", {"now": now, "limit": HOME_PAGE_SIZE})
        )

    async def article(self, variables: dict[str, Any]) -> dict[str, Any]:
        params = self.shape.article_params(variables)
        found = await self.driver.fetch("article", params)
        row = found[0] if found else None
        links = [] if row is None else await self.driver.fetch("links", {"id": row.id})
        return self.shape.article(row, links)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()
    site = site_from_settings(settings)
    driver = Driver(settings.database_url, settings.db_pool_size)
    reference = RawReference(driver, site)
    handlers = {HOME_QUERY: reference.home, ARTICLE_QUERY: reference.article}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await driver.start()
        try:
            yield
        finally:
            await driver.stop()

    async def graphql(request: Request) -> Response:
        try:
            payload = await _params(request)
        except orjson.JSONDecodeError:
            return _error("The request body is not valid JSON.")
        query = payload.get("query") if isinstance(payload, dict) else None
        if query is None and isinstance(payload, dict):
            query = _persisted(payload.get("extensions"))
        handler = handlers.get(query) if isinstance(query, str) else None
        if handler is None:
            return _error("The reference answers only the benchmark's documents.")
        counted: list[int] = []
        STATEMENTS.set(counted)
        started = time.perf_counter()
        data = await handler(payload.get("variables") or {})
        # The header the gateway sends, so the harness reads statement counts alike.
        elapsed = (time.perf_counter() - started) * 1000
        timing = f'db;dur={elapsed:.2f};desc="{len(counted)} statements"'
        return Response(
            orjson.dumps({"data": data}),
            headers={"Server-Timing": timing},
            media_type="application/json",
        )

    async def healthz(_: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
