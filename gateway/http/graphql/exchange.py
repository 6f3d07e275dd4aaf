"""One GraphQL HTTP request as it moves through the endpoint's steps."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from starlette.requests import Request

from gateway.http.request_context import RequestRecord, query_stats_of, record_of, request_id_of
from gateway.http.rules import JSON
from resolvers.db import QueryStats


def _initial_headers() -> dict[str, str]:
    # The answer depends on the credentials: a shared cache must key on them.
    # (X-Request-ID is added by RequestMiddleware.)
    return {"Vary": "Authorization"}


@dataclass
class Exchange:
    """The request's fixed facts, read by every step, and the response headers gathered so far.

    ``record`` and ``stats`` come from the request middleware (access log, metrics,
    Server-Timing); ``media`` is the negotiated response type (JSON until negotiated)."""

    request: Request
    request_id: str
    record: RequestRecord | None
    stats: QueryStats
    started: float = field(default_factory=time.perf_counter)
    media: str = JSON
    headers: dict[str, str] = field(default_factory=_initial_headers)
    flights: list[str] = field(default_factory=list)  # single-flight keys this request leads

    @classmethod
    def begin(cls, request: Request) -> Exchange:
        return cls(request, request_id_of(request), record_of(request), query_stats_of(request))

    def timed(self, phase: str, enabled: bool = True) -> AbstractContextManager[None]:
        """Time a phase into the request record (Server-Timing, metrics), when there is one."""
        if not enabled or self.record is None:
            return nullcontext()
        return self.record.timed(phase)
