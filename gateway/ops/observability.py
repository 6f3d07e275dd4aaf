"""Operations wiring: one ``Operations`` per app builds logs, metrics, tracing, readiness and
background tasks from the settings and hands ``create_app`` its middleware, routes, schema
extension and lifespan hooks."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.config.settings import Settings
from gateway.http.middleware import RequestMiddleware
from gateway.ops.graphql_observer import DeprecatedUsage, OperationObserver
from gateway.ops.health import Readiness
from gateway.ops.lifecycle import BackgroundTasks, every
from gateway.ops.logs import configure_logging, get_logger
from gateway.ops.metrics import Metrics, multiprocess_dir
from gateway.ops.tracing import TracingUnavailable, tracing_from_settings
from resolvers.db import Database

log = get_logger("gateway")
POOL_SAMPLE_SECONDS = 5.0


class Operations:
    def __init__(self, settings: Settings, *, tracer_provider: Any | None = None) -> None:
        configure_logging(json=settings.json_logs, level=settings.log_level)
        self.settings = settings
        self.metrics = (
            Metrics(max_operation_names=settings.metrics_max_operation_names)
            if settings.metrics_enabled
            else None
        )
        try:
            self.tracing = tracing_from_settings(settings.tracing, tracer_provider)
        except TracingUnavailable as exc:
            raise SystemExit(f"content-gateway: {exc}") from None
        self.deprecated = DeprecatedUsage(settings.document_cache_size)
        self.readiness = Readiness(settings)
        self.background = BackgroundTasks()
        self.db: Database | None = None

    def schema_extension(self) -> Callable[[], OperationObserver]:
        metrics, tracing, deprecated = self.metrics, self.tracing, self.deprecated
        return lambda: OperationObserver(metrics=metrics, tracing=tracing, deprecated=deprecated)

    def middleware(self) -> list[Middleware]:
        return [
            Middleware(
                RequestMiddleware,
                metrics=self.metrics,
                tracing=self.tracing,
                access_log_enabled=self.settings.access_log,
            )
        ]

    def routes(self) -> list[Route]:
        routes = [Route("/readyz", self.readiness.endpoint, methods=["GET"])]
        if self.metrics is not None and self.settings.metrics_bind is None:
            routes.append(Route("/metrics", self.metrics_endpoint, methods=["GET"]))
        return routes

    async def metrics_endpoint(self, request: Request) -> Response:
        assert self.metrics is not None
        self.metrics.sample_pool(request.app.state.db.engine.pool)
        # Multiprocess mode reads one file per worker and metric: keep that off the event loop.
        render = self.metrics.render
        body = await run_in_threadpool(render) if multiprocess_dir() else render()
        return Response(
            body, headers={"Content-Type": self.metrics.content_type, "Cache-Control": "no-store"}
        )

    async def startup(self, app: Any, db: Database) -> None:
        self.db = db
        app.state.background = self.background
        self.tracing.instrument_engine(db.engine)
        await self.readiness.open()
        if self.metrics is not None:
            metrics, pool = self.metrics, db.engine.pool
            # Workers other than the one answering a scrape report their pools from here.
            self.background.start(
                "pool-sampler",
                lambda: every(POOL_SAMPLE_SECONDS, lambda: metrics.sample_pool(pool)),
            )
        log.info(
            "started",
            env=self.settings.env,
            metrics=self.metrics is not None,
            tracing=self.tracing.enabled,
        )

    async def shutdown(self) -> None:
        """Before the database pool closes: stop background work, close Redis, flush spans."""
        await self.background.stop()
        await self.readiness.close()
        self.tracing.shutdown()
        if self.metrics is not None and multiprocess_dir():
            from prometheus_client import multiprocess

            # Drops this worker's live gauges (pool connections) from the sums.
            multiprocess.mark_process_dead(os.getpid())
