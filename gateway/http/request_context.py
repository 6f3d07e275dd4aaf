"""Per-request bookkeeping shared by the middleware, the GraphQL endpoint and its extensions.

The middleware puts a ``RequestRecord`` in ``scope["state"]`` (``request.state.record``), along
with ``request.state.request_id`` and ``request.state.query_stats``. Code further in fills the
record (operation, cache result, client, error codes, phase timings); the middleware writes the
access log line and the HTTP metrics from it when the response is done.

For other modules: ``note_cache(request, "hit")``, ``note_rate_limited(request)``,
``note_persisted_query_miss(request)``, ``note_errors(request, errors)``,
``with record.timed("cache"): ...``.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from resolvers.db import QueryStats, track_queries

REQUEST_ID_HEADER = "X-Request-ID"
# Accepted as given when it looks like an id; anything else (too long, spaces, quotes, control
# characters that could forge log lines) is replaced by a fresh one.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


# Fresh ids: 128 random bits as 32 hex digits (what uuid4().hex looked like), from a generator
# seeded by the OS per process (again in a forked child, which would otherwise repeat its
# parent's ids). A correlation id, not a secret: no system call per request.
_ids = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _ids.seed(os.urandom(32)))


def new_request_id() -> str:
    return f"{_ids.getrandbits(128):032x}"


def accept_request_id(value: str | None) -> str:
    if value and VALID_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


@dataclass
class RequestRecord:
    """What one request did; read by the access log, metrics and Server-Timing."""

    request_id: str
    stats: QueryStats
    started: float = field(default_factory=time.perf_counter)
    operation_name: str | None = None
    operation_type: str | None = None
    cache: str = "none"  # "hit" / "miss" / "bypass" once a response cache looks at the request
    client_id: str | None = None  # token name; the access log falls back to the peer address
    error_codes: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase
    execution: str | None = None  # "compiled" or "graphql-core": which executor ran

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - started


def new_record(scope: MutableMapping[str, Any], request_id: str) -> RequestRecord:
    """Attach a fresh record to the scope. The state dict is copied: ASGI servers (and
    asgi-lifespan) may hand every request the same lifespan-state dict."""
    record = RequestRecord(request_id=request_id, stats=track_queries())
    state = dict(scope.get("state") or {})
    state.update(request_id=request_id, query_stats=record.stats, record=record)
    scope["state"] = state
    return record


def record_of(request: Any) -> RequestRecord | None:
    state = getattr(request, "scope", {}).get("state") or {}
    record = state.get("record")
    return record if isinstance(record, RequestRecord) else None


def request_id_of(request: Any) -> str:
    record = record_of(request)
    if record is not None:
        return record.request_id
    return accept_request_id(request.headers.get("x-request-id"))


def query_stats_of(request: Any) -> QueryStats:
    """The statement counter the middleware started, or a new one when there is no middleware."""
    record = record_of(request)
    return record.stats if record is not None else track_queries()


def _metrics(request: Any) -> Any:
    app = request.scope.get("app")
    return getattr(getattr(app, "state", None), "metrics", None)


def note_errors(request: Any, errors: list[dict[str, Any]] | None) -> None:
    record = record_of(request)
    if record is None or not errors:
        return
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        if code and code not in record.error_codes:
            record.error_codes.append(code)


def note_cache(request: Any, result: str) -> None:
    """The response cache's verdict: "hit" or "miss" (counted), or e.g. "bypass"."""
    record = record_of(request)
    if record is not None:
        record.cache = result
    metrics = _metrics(request)
    if metrics is not None:
        if result == "hit":
            metrics.response_cache_hits.inc()
        elif result == "miss":
            metrics.response_cache_misses.inc()


def note_cache_evictions(request_or_app: Any, count: int = 1) -> None:
    app = getattr(request_or_app, "scope", {}).get("app", request_or_app)
    metrics = getattr(getattr(app, "state", None), "metrics", None)
    if metrics is not None and count > 0:
        metrics.response_cache_evictions.inc(count)


def note_rate_limited(request: Any) -> None:
    metrics = _metrics(request)
    if metrics is not None:
        metrics.rate_limited.inc()


def note_persisted_query_miss(request: Any) -> None:
    metrics = _metrics(request)
    if metrics is not None:
        metrics.persisted_query_misses.inc()


def server_timing(record: RequestRecord | None, stats: QueryStats, total_seconds: float) -> str:
    """``Server-Timing``: the GraphQL phases that ran, the cache verdict, SQL and the total."""
    parts = []
    cache = "none"
    if record is not None:
        for phase in ("parse", "validate", "execute"):
            if phase in record.phases:
                part = f"{phase};dur={record.phases[phase] * 1000:.2f}"
                if phase == "execute" and record.execution:
                    part += f';desc="{record.execution}"'
                parts.append(part)
        cache = record.cache
        cache_ms = record.phases.get("cache", 0.0) * 1000
    else:
        cache_ms = 0.0
    parts.append(f'cache;dur={cache_ms:.2f};desc="{cache}"')
    parts.append(f'db;dur={stats.seconds * 1000:.2f};desc="{stats.statements} statements"')
    parts.append(f"total;dur={total_seconds * 1000:.2f}")
    return ", ".join(parts)
