"""The app factory. Nothing is created at import time: ``create_app`` builds it all."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import strawberry
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from gateway.auth import preview_tokens
from gateway.cache.backends import CacheBackend, MemoryBackend, RedisBackend
from gateway.cache.responses import CacheLayer
from gateway.config.redis import redis_client
from gateway.config.settings import Settings, SettingsError, load_settings
from gateway.events.purge import purge_on_events
from gateway.events.runtime import EventsRuntime, write_hooks
from gateway.guard.limits import QueryLimits
from gateway.guard.ratelimit import build_rate_limiter
from gateway.guard.validation import ValidationResults
from gateway.http import rules as http_rules
from gateway.http.developer import developer_routes
from gateway.http.graphql.endpoint import GraphQLEndpoint
from gateway.http.media import MediaRoutes
from gateway.http.websocket import websocket_app
from gateway.media import MediaRuntime
from gateway.ops.drain import DrainMiddleware
from gateway.ops.logs import drain_logs
from gateway.ops.observability import Operations
from gateway.ops.schema_version import schema_problem
from gateway.publishing import feeds, sitemaps
from resolvers.auth.preview import PreviewTokens
from resolvers.changes import ChangeHooks
from resolvers.db import Database, make_engine, redact_url
from resolvers.search.gate import SearchGate
from resolvers.site import Site
from schema import build_schema
from schema.context import ContextFactory, EventStream

log = logging.getLogger("gateway")


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached at start-up."""


def site_from_settings(settings: Settings) -> Site:
    return Site(
        url=settings.site_url,
        name=settings.site_name,
        default_locale=settings.default_locale,
        locales=tuple(settings.locales),
        locale_from_accept_language=settings.locale_from_accept_language,
        title_template=settings.seo_title_template,
        article_path=settings.article_path,
        author_path=settings.author_path,
        category_path=settings.category_path,
        tag_path=settings.tag_path,
        description=settings.site_description,
        logo_url=settings.site_logo_url,
        default_image_url=settings.seo_default_image_url,
        twitter_site=(settings.twitter_site or "").lstrip("@") or None,
        article_type=settings.seo_article_type,
        review_workflow=settings.review_workflow,
        trash_days=settings.trash_retention_days,
        og_locales=tuple(settings.seo_og_locales.items()),
        embed_hosts=tuple(settings.embed_hosts),
        archive_page_size=settings.archive_page_size,
        paged_title_template=settings.seo_paged_title_template,
        noindex_paged=settings.seo_noindex_paged,
    )


def database_from_settings(settings: Settings) -> Database:
    return Database(
        make_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            pool_recycle=settings.db_pool_recycle,
            echo=settings.db_echo,
            pre_ping=settings.db_pool_pre_ping,
            statement_timeout=settings.db_statement_timeout,
            connect_timeout=settings.db_connect_timeout,
        ),
        sqlite_read_concurrency=settings.db_sqlite_read_concurrency,
        sqlite_inline_reads=settings.db_sqlite_inline_reads,
    )


async def cache_backend_from_settings(settings: Settings) -> CacheBackend:
    """The response cache's storage; Redis is checked at start-up so a typo fails fast."""
    if settings.cache_backend_name == "memory":
        return MemoryBackend(settings.cache_memory_bytes)
    client = redis_client(
        settings.redis_url,  # type: ignore[arg-type]  # validated
        connect_timeout=settings.redis_connect_timeout,
        timeout=settings.redis_timeout,
    )
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        raise DatabaseUnavailable(
            f"cannot reach Redis at {redact_url(settings.redis_url or '')}: {exc}"
        ) from None
    return RedisBackend(client, settings.redis_prefix)


def _missing_sqlite_folder(url: str) -> Path | None:
    """Checked up front: sqlite would fail inside aiosqlite's thread, less clearly."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    folder = Path(str(parsed.database)).expanduser().resolve().parent
    return None if folder.is_dir() else folder


async def check_database(db: Database, url: str) -> None:
    folder = _missing_sqlite_folder(url)
    if folder is not None:
        raise DatabaseUnavailable(
            f"cannot reach the database at {redact_url(url)}: folder {folder} does not exist"
        )
    try:
        await db.scalar(text("SELECT 1"))
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot reach the database at {redact_url(url)}: {reason}"
        ) from None


def graphql_schema(settings: Settings, ops: Operations) -> strawberry.Schema:
    cache_size = settings.document_cache_size
    limits = QueryLimits(settings)  # parses with the token/length limits, caching documents
    return build_schema(
        extensions=[
            ops.schema_extension(),  # first: its timings wrap the document caches
            limits.extension,
            ValidationResults(cache_size).extension,
        ],
        no_suggestions=settings.env == "production",
    )


def context_factory(
    settings: Settings,
    site: Site,
    db: Database,
    events: EventStream,
    hooks: ChangeHooks,
    preview: PreviewTokens,
    media: MediaRuntime | None = None,
) -> ContextFactory:
    """The one factory of request contexts (HTTP, WebSocket, subscription events)."""
    return ContextFactory(
        db=db,
        site=site,
        default_page_size=settings.default_page_size,
        max_page_size=settings.max_page_size,
        max_page_offset=settings.max_page_offset,
        hooks=hooks,
        preview=preview,
        events=events,
        search_gate=SearchGate(
            max_concurrent=settings.search_max_concurrent,
            max_wait=settings.search_max_wait,
            candidates=settings.search_candidates,
        ),
        snippet_length=settings.search_snippet_length,
        media_storage=media.storage if media is not None else None,
        media_urls_for=media.urls if media is not None else None,
    )


async def check_schema(db: Database) -> None:
    problem = await schema_problem(db)
    if problem is not None:
        raise DatabaseUnavailable(problem)


async def _start_storage(settings: Settings, cache: CacheLayer) -> Database:
    """The database and the response cache's backend, both checked: a typo fails fast."""
    db = database_from_settings(settings)
    try:
        await check_database(db, settings.database_url)
        await check_schema(db)
        await cache.start(await cache_backend_from_settings(settings), db)
    except BaseException as exc:
        # Whatever stops the start-up (cancellation too), the pool's connections are closed.
        await db.dispose()
        if isinstance(exc, DatabaseUnavailable):
            log.error("%s", exc)
        raise
    return db


def lifespan_of(
    settings: Settings, site: Site, cache: CacheLayer, ops: Operations
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    preview = preview_tokens(settings)  # one secret per app (random when none is configured)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = await _start_storage(settings, cache)
        app.state.db = db
        app.state.rate_limiter = build_rate_limiter(settings)
        try:
            await ops.startup(app, db)
            # The live event hub, and the delivery worker unless it runs apart.
            events = await EventsRuntime.start(db, settings, run_worker=settings.events_worker)
        except BaseException:
            await _stop(app, ops, cache, db)
            raise
        app.state.events = events.hub
        app.state.event_runtime = events
        hooks = app.state.change_hooks
        app.state.contexts = context_factory(
            settings, site, db, events.hub, hooks, preview, app.state.media
        )
        app.state.search_gate = app.state.contexts.search_gate
        if cache.backend is not None and cache.backend.name == "memory":
            # A shared (Redis) cache is purged by the writer itself; this one only hears of
            # other processes' writes (the CLI's, another instance's) through their events.
            purge_on_events(events.hub, cache)
        try:
            yield
        finally:
            try:
                await events.stop()
            finally:
                await _stop(app, ops, cache, db)
            log.info("shutdown complete")
            await asyncio.to_thread(drain_logs)  # every queued log line reaches stderr

    return lifespan


async def _stop(app: Starlette, ops: Operations, cache: CacheLayer, db: Database) -> None:
    """Stop what uses the database, then close its pool: each step even when one before failed
    (a pool left open is closed by nobody; its connections are collected unclosed)."""
    try:
        await app.state.rate_limiter.aclose()
        await ops.shutdown()  # background tasks, Redis, spans: before the pool closes
    finally:
        try:
            await cache.stop()
        finally:
            try:
                await db.dispose()
            finally:
                app.state.media.close()


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def home(_: Request) -> Response:
    return RedirectResponse("/graphql", status_code=307)


def routes_of(
    settings: Settings,
    schema: strawberry.Schema,
    site: Site,
    ops: Operations,
    media: MediaRuntime,
) -> list[BaseRoute]:
    graphql = GraphQLEndpoint(schema, settings, site)
    return [
        Route("/graphql", graphql.handle, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", websocket_app(schema, settings)),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/", home, methods=["GET"]),
        *developer_routes(settings),
        *sitemaps.ROUTES,  # /sitemap.xml, /sitemaps/*, /robots.txt
        *feeds.ROUTES,  # /feed.xml, /feed.atom, /<authors|categories|tags>/<slug>/feed.*
        *MediaRoutes(settings, media).routes(),  # POST /media, originals, renditions
        *ops.routes(),
    ]


def create_app(settings: Settings | None = None, *, tracer_provider: Any = None) -> Starlette:
    """``tracer_provider``: an OpenTelemetry TracerProvider to use instead of one built from the
    OTEL_* variables (embedding, tests)."""
    if settings is None:
        try:
            settings = load_settings()
        except SettingsError as exc:
            raise SystemExit(f"content-gateway: {exc}") from None
    ops = Operations(settings, tracer_provider=tracer_provider)
    schema = graphql_schema(settings, ops)
    site = site_from_settings(settings)
    # The schema's fingerprint is part of every cache key: a deploy never serves old shapes.
    fingerprint = hashlib.sha256(schema.as_str().encode()).hexdigest()[:16]
    cache = CacheLayer(settings, site, fingerprint, ops.metrics)
    media = MediaRuntime.build(settings)
    app = Starlette(
        routes=routes_of(settings, schema, site, ops, media),
        lifespan=lifespan_of(settings, site, cache, ops),
        # Outermost first: request id + access log + metrics, then CORS and the body limit.
        middleware=[
            Middleware(DrainMiddleware),  # Connection: close while a worker drains
            *ops.middleware(),
            *http_rules.middleware(settings),
        ],
    )
    app.state.settings = settings
    app.state.media = media
    app.state.metrics = ops.metrics
    app.state.schema = schema
    app.state.site = site
    app.state.cache = cache
    # One wiring for every writer (the CLI builds the same): outbox, the cache purge recorded
    # in the write's transaction and applied after it, worker wake-up.
    app.state.change_hooks = write_hooks(
        site, cache, lambda: getattr(app.state, "event_runtime", None)
    )
    return app
