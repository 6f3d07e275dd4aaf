"""OpenTelemetry tracing, optional (``pip install content-gateway[otel]``).

Spans: the HTTP request (server span, continuing an incoming ``traceparent``), GraphQL parse /
validate / execute, each dataloader batch and each SQL statement. With tracing off every method
here is a cheap no-op and ``opentelemetry`` is never imported.

Configuration is the standard one: ``OTEL_TRACES_EXPORTER`` (default ``otlp``; ``console``,
``none`` or any installed exporter entry point, comma-separated), ``OTEL_EXPORTER_OTLP_*``
(endpoint, headers, protocol), ``OTEL_SERVICE_NAME`` / ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_TRACES_SAMPLER`` / ``_ARG``, ``OTEL_PROPAGATORS``, ``OTEL_SDK_DISABLED``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

SERVICE_NAME = "content-gateway"


class TracingUnavailable(RuntimeError):
    """GATEWAY_TRACING is on but the otel extra is not installed."""


def provider_from_env() -> Any | None:
    """A TracerProvider configured by the OTEL_* variables, or None when the SDK is disabled."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        raise TracingUnavailable(
            "GATEWAY_TRACING is on but OpenTelemetry is not installed: "
            "pip install 'content-gateway[otel]'"
        ) from None
    resource = Resource.create()
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    provider = TracerProvider(resource=resource)  # sampler: OTEL_TRACES_SAMPLER
    for exporter in _exporters_from_env():
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _exporters_from_env() -> list[Any]:
    from importlib.metadata import entry_points

    names = os.environ.get("OTEL_TRACES_EXPORTER", "otlp")
    exporters = []
    for raw in names.split(","):
        name = raw.strip().lower()
        if not name or name == "none":
            continue
        if name == "otlp":
            protocol = os.environ.get(
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            )
            name = "otlp_proto_grpc" if protocol == "grpc" else "otlp_proto_http"
        found = entry_points(group="opentelemetry_traces_exporter", name=name)
        if not found:
            raise TracingUnavailable(
                f"OTEL_TRACES_EXPORTER names {name!r}, which is not installed "
                "(the otel extra ships otlp over http/protobuf and console)"
            )
        exporters.append(next(iter(found)).load()())
    return exporters


class Tracing:
    """The gateway's spans, from one TracerProvider (None: tracing off)."""

    def __init__(self, provider: Any | None = None, *, owned: bool = False) -> None:
        self.provider = provider
        self.owned = owned  # built from the environment here, so shut down here
        self.tracer = provider.get_tracer("content-gateway") if provider is not None else None
        if self.tracer is not None:
            from opentelemetry import propagate, trace

            self._trace = trace
            self._propagate = propagate

    @property
    def enabled(self) -> bool:
        return self.tracer is not None

    def span(self, name: str, **attributes: Any) -> Any:
        """A child of the current span (a no-op context manager when tracing is off)."""
        if self.tracer is None:
            return nullcontext()
        return self.tracer.start_as_current_span(name, attributes=attributes)

    def begin(self, name: str, **attributes: Any) -> Any:
        """Start a span and make it current; ``end`` it in the same task (handle: None when off).
        For hooks that may never be resumed (a Strawberry hook whose neighbour raised)."""
        if self.tracer is None:
            return None
        from opentelemetry import context

        span = self.tracer.start_span(name, attributes=attributes)
        return span, context.attach(self._trace.set_span_in_context(span))

    def end(self, handle: Any, *, failed: bool = False) -> None:
        if handle is None:
            return
        from opentelemetry import context

        span, token = handle
        context.detach(token)
        if failed:
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR))
        span.end()

    def http_span(self, scope: MutableMapping[str, Any]) -> AbstractContextManager[Any]:
        """The server span of one request; yields the span (None when tracing is off: a
        ``nullcontext``, not a generator entered and resumed on every request)."""
        if self.tracer is None:
            return nullcontext()
        return self._server_span(scope)

    @contextmanager
    def _server_span(self, scope: MutableMapping[str, Any]) -> Iterator[Any]:
        assert self.tracer is not None
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        parent = self._propagate.extract(carrier)
        method = scope["method"]
        with self.tracer.start_as_current_span(
            method,
            context=parent,
            kind=self._trace.SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "url.path": scope["path"],
                "url.scheme": scope.get("scheme", "http"),
                "network.protocol.version": scope.get("http_version", "1.1"),
            },
        ) as span:
            yield span

    def finish_http_span(self, span: Any, route: str | None, status: int) -> None:
        if span is None:
            return
        if route:
            span.update_name(f"{span.name} {route}")
            span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR))

    def current_ids(self) -> tuple[str, str] | None:
        """(trace id, span id) of the current span, for log correlation."""
        if self.tracer is None:
            return None
        context = self._trace.get_current_span().get_span_context()
        if not context.is_valid:
            return None
        return self._trace.format_trace_id(context.trace_id), self._trace.format_span_id(
            context.span_id
        )

    def instrument_engine(self, engine: Any) -> None:
        """One CLIENT span per SQL statement run inside a traced request, via engine events
        (sync_engine of an AsyncEngine).

        The events fire inside SQLAlchemy's greenlet, which carries the caller's contextvars, so
        the span's parent is the dataloader batch or resolver that ran the statement."""
        if self.tracer is None:
            return
        from sqlalchemy import event

        tracer = self.tracer
        current_span = self._trace.get_current_span
        sync_engine = getattr(engine, "sync_engine", engine)
        system = {"postgresql": "postgresql", "sqlite": "sqlite"}.get(
            sync_engine.dialect.name, sync_engine.dialect.name
        )
        database = sync_engine.url.database
        kind = self._trace.SpanKind.CLIENT
        error = self._trace.Status(self._trace.StatusCode.ERROR)

        def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            spans = conn.info.setdefault("gw_spans", [])
            if not current_span().get_span_context().is_valid:
                # Background work (event worker polls) outside any request: no orphan traces.
                spans.append(None)
                return
            verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
            spans.append(
                tracer.start_span(
                    verb,
                    kind=kind,
                    attributes={
                        "db.system.name": system,
                        "db.namespace": database or "",
                        "db.operation.name": verb,
                        "db.query.text": statement,  # parameters are bound, never inlined
                    },
                )
            )

        def after(conn: Any, *_: Any) -> None:
            spans = conn.info.get("gw_spans")
            if spans:
                span = spans.pop()
                if span is not None:
                    span.end()

        def failed(exception_context: Any) -> None:
            conn = exception_context.connection
            spans = conn.info.get("gw_spans") if conn is not None else None
            span = spans.pop() if spans else None
            if span is not None:
                span.record_exception(exception_context.original_exception)
                span.set_status(error)
                span.end()

        event.listen(sync_engine, "before_cursor_execute", before)
        event.listen(sync_engine, "after_cursor_execute", after)
        event.listen(sync_engine, "handle_error", failed)

    def shutdown(self) -> None:
        if self.owned and self.provider is not None:
            self.provider.shutdown()


def tracing_from_settings(enabled: bool, provider: Any | None = None) -> Tracing:
    if provider is not None:
        return Tracing(provider)
    if not enabled:
        return Tracing()
    return Tracing(provider_from_env(), owned=True)
