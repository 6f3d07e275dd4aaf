"""Conditional GET for the plain HTTP endpoints (sitemaps, feeds, robots.txt).

The ETag (``gateway.cache.http_headers.etag_of``) is a hash of the exact body bytes, so it
changes whenever anything in the body does (an article, an SEO override, a redirect);
Last-Modified is the newest content date in it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request

from gateway.cache.http_headers import etag_matches
from gateway.http.request_context import server_timing
from resolvers.db import QueryStats


def http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def is_fresh(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """True when the client's copy is current (RFC 9110 section 13.2.2: If-None-Match wins
    over If-Modified-Since; ETags compare weakly)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    since = request.headers.get("if-modified-since")
    if since is None or last_modified is None:
        return False
    try:
        client_date = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unparsable date is ignored, as the RFC says
    if client_date.tzinfo is None:
        client_date = client_date.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= client_date


def validators(etag: str, last_modified: datetime | None, max_age: int) -> dict[str, str]:
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    return headers


def timing(stats: QueryStats, started: float) -> str:
    """The same Server-Timing header as the GraphQL endpoint sends (no GraphQL phases here)."""
    return server_timing(None, stats, time.perf_counter() - started)
