"""Conditional GET for the plain HTTP endpoints (sitemaps, feeds, robots.txt).

The ETag is a hash of the exact body bytes, so it changes whenever anything in the body does
(an article, an SEO override, a redirect); Last-Modified is the newest content date in it.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request

from resolvers.db import QueryStats


def etag_of(digest: hashlib._Hash) -> str:
    return f'"{digest.hexdigest()[:32]}"'


def http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def is_fresh(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """True when the client's copy is current (RFC 9110 section 13.2.2: If-None-Match wins
    over If-Modified-Since; ETags compare weakly)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        return "*" in tags or etag in tags
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


def server_timing(stats: QueryStats, started: float) -> str:
    """The same Server-Timing header as the GraphQL endpoint sends."""
    return (
        f'db;dur={stats.seconds * 1000:.2f};desc="{stats.statements} statements", '
        f"total;dur={(time.perf_counter() - started) * 1000:.2f}"
    )
