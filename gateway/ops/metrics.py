"""Prometheus metrics: one ``Metrics`` object per app, registered in the app's own registry.

With several workers, set ``PROMETHEUS_MULTIPROC_DIR`` before the workers start (``content-gateway
serve`` does it): every worker then writes its samples to files there and any worker's /metrics
(or the separate listener of ``GATEWAY_METRICS_BIND``) reports the sum over all of them.

Counters other modules increment (names are part of the monitoring contract, see the README):
``response_cache_hits``/``misses``/``evictions`` (caching), ``rate_limited`` (rate limits),
``persisted_query_misses`` (persisted queries). Use ``gateway.http.request_context`` helpers, which
also fill the access log.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "gateway"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
STATEMENT_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
OTHER = "other"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower()) or None


class Metrics:
    """Every series the gateway exposes. ``registry`` is per app so tests and several apps in one
    process do not collide; in multiprocess mode the files, not the registry, are the source."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, *, max_operation_names: int = 200) -> None:
        # The *_created series double the exposition and no dashboard reads them.
        disable_created_metrics()
        self.registry = CollectorRegistry(auto_describe=True)
        self.max_operation_names = max_operation_names
        self._operation_names: set[str] = set()
        self._client_names: set[str] = set()
        self._http_series()
        self._graphql_series()
        self._database_series()
        self._cache_series()
        # Fixed label sets, resolved once (``labels()`` locks and builds a key on every call).
        self.phase_timers = {
            p: self.graphql_phase.labels(p) for p in ("parse", "validate", "execute")
        }
        for state in ("in_use", "idle"):
            self.db_pool.labels(state=state).set(0)
        # Labelled children by (metric, label values), for the series every request touches.
        # Their label values are bounded (loader names are the code's, operation names go
        # through ``operation_label``).
        self._children: dict[tuple[Any, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def observe_batch(self, loader: str, size: int) -> None:
        """One dataloader batch of ``size`` keys (``RequestScope.on_batch``)."""
        self._child(self.dataloader_batch, loader).observe(size)

    def operation_count(self, name: str | None, kind: str, outcome: str) -> Any:
        """The ``graphql_operations`` counter of one operation name, type and outcome."""
        return self._child(self.graphql_operations, self.operation_label(name), kind, outcome)

    def _counter(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
        return Counter(f"{PREFIX}_{name}", doc, labels, registry=self.registry)

    def _histogram(self, name: str, doc: str, labels: tuple[str, ...], buckets: Any) -> Histogram:
        return Histogram(f"{PREFIX}_{name}", doc, labels, registry=self.registry, buckets=buckets)

    def _http_series(self) -> None:
        self.http_requests = self._counter(
            "http_requests",
            "HTTP requests by method, route and status.",
            ("method", "route", "status"),
        )
        self.http_duration = self._histogram(
            "http_request_duration_seconds",
            "HTTP request latency, first byte received to last byte sent.",
            ("method", "route"),
            LATENCY_BUCKETS,
        )
        self.rate_limited = self._counter(
            "rate_limited_requests", "Requests refused by a rate limit."
        )

    def _graphql_series(self) -> None:
        self.graphql_operations = self._counter(
            "graphql_operations",
            "GraphQL operations by name, type and outcome (success, error, invalid, rejected).",
            ("operation", "type", "outcome"),
        )
        self.graphql_phase = self._histogram(
            "graphql_phase_duration_seconds",
            "Time spent in each GraphQL phase (parse, validate, execute).",
            ("phase",),
            LATENCY_BUCKETS,
        )
        self.resolver_errors = self._counter(
            "graphql_resolver_errors",
            "Errors raised while resolving fields, by extensions.code.",
            ("code",),
        )
        self.dataloader_batch = self._histogram(
            "dataloader_batch_size",
            "Keys per dataloader batch, by loader.",
            ("loader",),
            BATCH_BUCKETS,
        )
        self.deprecated_usage = self._counter(
            "deprecated_field_usage",
            "Operations selecting a deprecated field, argument or enum value, by client.",
            ("field", "client"),
        )

    def _database_series(self) -> None:
        self.db_statements = self._histogram(
            "db_statements_per_request", "SQL statements run by one request.", (), STATEMENT_BUCKETS
        )
        self.db_time = self._histogram(
            "db_time_per_request_seconds",
            "Time one request spent waiting on SQL statements.",
            (),
            LATENCY_BUCKETS,
        )
        self.db_pool = Gauge(
            f"{PREFIX}_db_pool_connections",
            "Database pool connections by state (in_use, idle), summed over live workers.",
            ("state",),
            registry=self.registry,
            multiprocess_mode="livesum",
        )

    def _cache_series(self) -> None:
        self.response_cache_hits = self._counter(
            "response_cache_hits", "Responses served from the response cache."
        )
        self.response_cache_misses = self._counter(
            "response_cache_misses", "Cacheable requests not found in the response cache."
        )
        self.response_cache_evictions = self._counter(
            "response_cache_evictions", "Entries evicted from or invalidated in the response cache."
        )
        self.persisted_query_misses = self._counter(
            "persisted_query_misses", "Persisted-query hashes the gateway did not know."
        )

    def operation_label(self, name: str | None) -> str:
        """Operation names come from clients: cap how many become label values."""
        if not name:
            return "anonymous"
        return self._bounded(self._operation_names, name)

    def client_label(self, client: str | None) -> str:
        """API tokens by name; JWT users all as "jwt" (one series per end user would not
        scale); both capped like operation names."""
        if not client:
            return "anonymous"
        if client.startswith("jwt:"):
            return "jwt"
        return self._bounded(self._client_names, client)

    def _bounded(self, seen: set[str], value: str) -> str:
        if value in seen:
            return value
        if len(seen) >= self.max_operation_names:
            return OTHER
        seen.add(value)
        return value

    def sample_pool(self, pool: Any) -> None:
        """QueuePool counts; pools without them (NullPool, StaticPool) are skipped."""
        checkedout = getattr(pool, "checkedout", None)
        checkedin = getattr(pool, "checkedin", None)
        if checkedout is None or checkedin is None:
            return
        self.db_pool.labels(state="in_use").set(checkedout())
        self.db_pool.labels(state="idle").set(checkedin())

    def render(self) -> bytes:
        if multiprocess_dir():
            return render_multiprocess()
        return generate_latest(self.registry)


def render_multiprocess() -> bytes:
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return generate_latest(registry)


def prepare_multiprocess_dir(path: str) -> None:
    """Start clean: samples from an earlier run's pids would be summed with ours."""
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))
