"""The outermost gateway middleware (pure ASGI): request id, HTTP span, access log, HTTP metrics.

Sits outside everything else we add, so its duration and status are what the client saw, and
every log line written while the request runs carries the request id (structlog contextvars).
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.http.request_context import (
    REQUEST_ID_HEADER,
    RequestRecord,
    accept_request_id,
    new_record,
)
from gateway.ops.logs import get_logger, write_line
from gateway.ops.metrics import Metrics
from gateway.ops.tracing import Tracing

ACCESS_LOGGER = "gateway.access"
# Probes, scrapes and unmatched paths (scanners): counted in the HTTP metrics, but kept out of the
# per-request DB histograms.
INFRA_ROUTES = frozenset({"/metrics", "/healthz", "/readyz"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


class RequestMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics | None,
        tracing: Tracing,
        access_log_enabled: bool = True,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.tracing = tracing
        self.access_log_enabled = access_log_enabled
        # For a failure's traceback; the other lines go through ``write_line``.
        self.log = get_logger(ACCESS_LOGGER).bind()
        # Labelled children looked up once: ``labels()`` takes a lock and builds a key each time.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(_header(scope, b"x-request-id"))
        record = new_record(scope, request_id)
        status = 500  # what the client gets if the app raises before starting a response
        echo = (REQUEST_ID_HEADER.lower().encode(), request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                headers.append(echo)
                message = {**message, "headers": headers}
            await send(message)

        failure: BaseException | None = None
        with (
            structlog.contextvars.bound_contextvars(request_id=request_id),
            self.tracing.http_span(scope) as span,
        ):
            try:
                await self.app(scope, receive, send_with_id)
            except BaseException as exc:
                failure = exc
                raise
            finally:
                route = getattr(scope.get("route"), "path", None)
                self.tracing.finish_http_span(span, route, status)
                self._finish(scope, record, route, status, failure)

    def _finish(
        self,
        scope: Scope,
        record: RequestRecord,
        route: str | None,
        status: int,
        failure: BaseException | None,
    ) -> None:
        duration = time.perf_counter() - record.started
        method = scope["method"]
        if self.metrics is not None:
            label = route or "unmatched"
            key = (method, label, status)
            children = self._children.get(key)
            if children is None:
                children = (
                    self.metrics.http_requests.labels(method, label, str(status)),
                    self.metrics.http_duration.labels(method, label),
                )
                if len(self._children) < 1000:  # methods are client-chosen: stay bounded
                    self._children[key] = children
            children[0].inc()
            children[1].observe(duration)
            if route is not None and route not in INFRA_ROUTES:
                self.metrics.db_statements.observe(record.stats.statements)
                self.metrics.db_time.observe(record.stats.seconds)
        if not self.access_log_enabled:
            return
        client = scope.get("client")
        fields: dict[str, Any] = {
            "method": method,
            "path": scope["path"],  # never the query string: preview tokens travel there
            "status": status,
            "duration_ms": round(duration * 1000, 2),
            "operation_name": record.operation_name,
            "operation_type": record.operation_type,
            "cache": record.cache,
            "sql_statements": record.stats.statements,
            "db_ms": round(record.stats.seconds * 1000, 2),
            "client_id": record.client_id or (client[0] if client else None),
            "error_codes": record.error_codes,
        }
        ids = self.tracing.current_ids()
        if ids is not None:
            fields["trace_id"], fields["span_id"] = ids
        if failure is not None and not isinstance(failure, Exception):
            fields["cancelled"] = True  # client went away or the worker is being killed
            write_line(ACCESS_LOGGER, "warning", "request", fields)
        elif failure is not None:
            self.log.error("request", exc_info=failure, **fields)
        elif status >= 500:
            write_line(ACCESS_LOGGER, "error", "request", fields)
        else:
            write_line(ACCESS_LOGGER, "info", "request", fields)
