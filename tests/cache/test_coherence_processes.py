"""No stale read after an acknowledged write, with real gateway processes: two workers with
memory caches and no Redis, and a Redis that is frozen while the write happens."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from resolvers.db import Database
from tests.auth_support import add_token, gid
from tests.conftest import REDIS_URL, skip_or_fail
from tests.live_server import LiveServer, start_server
from tests.support import add_article, add_author
from tests.tcp_proxy import TcpProxy

ARTICLE = '{ article(slug: "engines") { title } }'
UPDATE = """mutation($input: UpdateArticleInput!) { updateArticle(input: $input) {
  __typename ... on ArticleSaved { article { title } } } }"""
READS = 40


async def seed(db: Database) -> dict[str, Any]:
    ada = await add_author(db, "Ada Lovelace")
    article = await add_article(db, "Engines", authors=[ada])
    return {"article": article, "token": await add_token(db, "editor", name="desk")}


def seeded(into: dict[str, Any]) -> Any:
    async def work(db: Database) -> None:
        into.update(await seed(db))

    return work


async def read_titles(server: LiveServer, count: int) -> list[str]:
    """``count`` reads, each on a new connection (so both workers answer some)."""
    titles = []
    for _ in range(count):
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            response = await client.get(
                "/graphql", params={"query": ARTICLE}, headers={"GraphQL-Preflight": "1"}
            )
        assert response.status_code == 200, response.text
        titles.append(response.json()["data"]["article"]["title"])
    return titles


async def rename(server: LiveServer, data: dict[str, Any], title: str) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        response = await client.post(
            "/graphql",
            content=orjson.dumps(
                {
                    "query": UPDATE,
                    "variables": {
                        "input": {
                            "id": gid("Article", data["article"]),
                            "expectedVersion": 1,
                            "title": title,
                        }
                    },
                }
            ),
            headers={
                "Authorization": f"Bearer {data['token']}",
                "Content-Type": "application/json",
            },
        )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["updateArticle"]["article"]["title"] == title


async def test_two_workers_without_redis_never_answer_stale(
    tmp_path: Path, database_url: str
) -> None:
    """SQLite and PostgreSQL (``backend``): each worker has its own memory cache."""
    data: dict[str, Any] = {}
    env = {"GATEWAY_CACHE_BACKEND": "memory", "GATEWAY_RATE_LIMIT_BUDGET": "0"}
    server = await asyncio.to_thread(
        start_server, tmp_path, seeded(data), env, 60.0, ("--workers", "2"), database_url
    )
    try:
        assert set(await read_titles(server, READS)) == {"Engines"}  # both caches warm
        await rename(server, data, "Analytical Engines")
        assert set(await read_titles(server, READS)) == {"Analytical Engines"}
    finally:
        await asyncio.to_thread(server.stop)


@pytest.fixture
def redis_target() -> tuple[str, int]:
    if not REDIS_URL:
        skip_or_fail("GATEWAY_TEST_REDIS_URL is not set")
    url = httpx.URL(REDIS_URL.replace("redis://", "http://"))
    return url.host, url.port or 6379


async def test_write_while_redis_is_frozen_is_never_read_around(
    tmp_path: Path, redis_target: tuple[str, int], redis_prefix: str
) -> None:
    proxy = await TcpProxy(*redis_target).start()
    data: dict[str, Any] = {}
    env = {
        "GATEWAY_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0",
        "GATEWAY_CACHE_BACKEND": "redis",
        "GATEWAY_REDIS_PREFIX": redis_prefix,
        "GATEWAY_RATE_LIMIT_BUDGET": "0",
    }
    server = await asyncio.to_thread(start_server, tmp_path, seeded(data), env, 60.0)
    try:
        assert await read_titles(server, 3) == ["Engines"] * 3  # cached in Redis
        proxy.pause()  # Redis keeps its data but answers nothing
        await rename(server, data, "Analytical Engines")  # acknowledged all the same
        proxy.cut_all()  # ...and then drops its connections: what they held never arrives
        proxy.restore()
        assert await read_titles(server, 5) == ["Analytical Engines"] * 5
    finally:
        proxy.restore()
        await asyncio.to_thread(server.stop)
        await proxy.close()
