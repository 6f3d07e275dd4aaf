"""The finish step's last move: the HTTP response, with the error codes noted for the access
log and the Server-Timing header."""

from __future__ import annotations

import time
from typing import Any

import orjson
from starlette.responses import Response

from gateway.http.graphql.exchange import Exchange
from gateway.http.request_context import note_errors, server_timing


def _timing(ex: Exchange) -> str:
    return server_timing(ex.record, ex.stats, time.perf_counter() - ex.started)


def respond(
    ex: Exchange,
    payload: Any,
    status: int,
    *,
    timing: bool,
    extra: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Response:
    """``payload`` (one GraphQL response or a batch of them) with the exchange's headers plus
    ``extra``; ``body``: the payload already encoded (or empty, for a 304)."""
    headers = ex.headers if extra is None else {**ex.headers, **extra}
    for item in payload if isinstance(payload, list) else [payload]:
        if isinstance(item, dict) and item.get("errors"):
            note_errors(ex.request, item["errors"])  # error codes for the access log
    if timing:
        headers["Server-Timing"] = _timing(ex)
    if body is None:
        body = orjson.dumps(payload)
    return Response(body, status, headers, media_type=f"{ex.media}; charset=utf-8")


def answer_hit(ex: Exchange, response: Response, *, timing: bool) -> Response:
    """A response-cache hit (or its 304), with the request's id and timing headers."""
    response.headers["X-Request-ID"] = ex.request_id
    if ex.record is not None:
        ex.record.cache = "hit"
    if timing:
        response.headers["Server-Timing"] = _timing(ex)
    return response
