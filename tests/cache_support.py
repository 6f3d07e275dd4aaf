"""Helpers for the caching tests: backend settings, cache status, direct row changes."""

from __future__ import annotations

import re
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import update

from resolvers.db import Database
from resolvers.models import article_t, author_t
from tests.conftest import REDIS_URL

SERVER_TIMING_CACHE = re.compile(r'cache;dur=[\d.]+;desc="(\w+)"')
PREFLIGHT = {"GraphQL-Preflight": "1"}


def backend_settings(kind: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings for the ``memory`` or ``redis`` cache backend (unique Redis prefix)."""
    if kind == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        # Redis is up in these tests: a connection that takes more than the production default
        # (1 s) on a loaded machine must not turn into an outage fallback and fail a cache test.
        return {
            "cache_backend": "redis",
            "redis_url": REDIS_URL,
            "redis_prefix": prefix,
            "redis_connect_timeout": 10.0,
            "redis_timeout": 10.0,
        }
    return {"cache_backend": "memory"}


def cache_status(response: httpx.Response) -> str:
    match = SERVER_TIMING_CACHE.search(response.headers.get("server-timing", ""))
    assert match, response.headers.get("server-timing")
    return match.group(1)


async def get(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> httpx.Response:
    params: dict[str, str] = {"query": query}
    if variables is not None:
        params["variables"] = orjson.dumps(variables).decode()
    for name, value in extra.items():
        params[name] = value if isinstance(value, str) else orjson.dumps(value).decode()
    # GET needs a header that forces a CORS preflight (CSRF prevention, issue 6).
    return await client.get("/graphql", params=params, headers={**PREFLIGHT, **(headers or {})})


async def set_article(db: Database, article_id: int, **values: Any) -> None:
    """Change an article row directly, as a write path would."""
    async with db.engine.begin() as conn:
        await conn.execute(update(article_t).where(article_t.c.id == article_id).values(**values))


async def set_author(db: Database, author_id: int, **values: Any) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(update(author_t).where(author_t.c.id == author_id).values(**values))
