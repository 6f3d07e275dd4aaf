"""CLI writes reach a running server's caches: the real `content-gateway serve` (hypercorn, its
response cache in Redis) answers from its cache, the real CLI writes, and the very next request
sees the change; the write is also in the outbox (webhooks, CDN purges, live subscribers)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from gateway.cli.main import run_migrations
from resolvers.events.models import outbox_event_t
from resolvers.models import redirect_t
from tests.cache_support import PREFLIGHT, cache_status
from tests.conftest import REDIS_URL
from tests.event_support import until
from tests.live_server import CLI, LiveServer, free_port, run_async, start_server
from tests.support import add_article, add_author

ROUTE = """query($p: String!) { route(path: $p) {
  __typename ... on Redirect { location statusCode } ... on NotFound { path } } }"""
COUNT = "{ articles { totalCount } }"


async def seed(db: Any) -> None:
    author = await add_author(db, "Cache Keeper")
    await add_article(db, "Hello", authors=[author])


@pytest.fixture
def server(tmp_path: Path, redis_prefix: str) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    env = {
        "GATEWAY_REDIS_URL": str(REDIS_URL),
        "GATEWAY_REDIS_PREFIX": redis_prefix,
        "GATEWAY_CACHE_BACKEND": "redis",
    }
    live = start_server(tmp_path, seed, env=env)
    try:
        yield live, {**env, "GATEWAY_DATABASE_URL": live.database_url}
    finally:
        live.stop()


def query(live: LiveServer, document: str, variables: dict[str, Any] | None = None) -> Any:
    params = {"query": document}
    if variables is not None:
        params["variables"] = orjson.dumps(variables).decode()
    response = httpx.get(f"{live.url}/graphql", params=params, headers=PREFLIGHT, timeout=15)
    assert response.status_code == 200, response.text
    return response


def cli(tmp: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return subprocess.run(
        [str(CLI), *args],
        cwd=tmp,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_redirect_import_refreshes_a_cached_route(server, tmp_path):
    live, env = server
    variables = {"p": "/old-hello"}
    first = query(live, ROUTE, variables)
    cached = query(live, ROUTE, variables)
    assert cache_status(cached) == "hit"
    assert cached.json()["data"]["route"] == {"__typename": "NotFound", "path": "/old-hello"}
    assert first.json() == cached.json()

    csv = tmp_path / "redirects.csv"
    csv.write_text("from,to,status\n/old-hello,/articles/hello,301\n")
    done = cli(tmp_path, env, "redirects", "import", str(csv))
    assert done.returncode == 0, done.stderr

    fresh = query(live, ROUTE, variables)
    assert cache_status(fresh) == "miss"
    assert fresh.json()["data"]["route"] == {
        "__typename": "Redirect",
        "location": "/articles/hello",
        "statusCode": 301,
    }

    async def events(db: Any) -> list[str]:
        return [r.type for r in await db.all(select(outbox_event_t.c.type))]

    assert "redirect.created" in run_async(events, live.database_url)


def test_seed_refreshes_cached_lists(server, tmp_path):
    live, env = server
    query(live, COUNT)
    cached = query(live, COUNT)
    assert cache_status(cached) == "hit"
    assert cached.json()["data"]["articles"]["totalCount"] == 1

    done = cli(tmp_path, env, "seed", "--authors", "2", "--articles", "5")
    assert done.returncode == 0, done.stderr

    fresh = query(live, COUNT)
    assert cache_status(fresh) == "miss"
    published = fresh.json()["data"]["articles"]["totalCount"]
    assert published > 1  # the demo data is mostly published: the new ones are counted


async def test_an_in_process_cache_hears_of_cli_writes_through_their_events(tmp_path):
    """No Redis: the server's own memory cache cannot be reached by the CLI; the CLI's outbox
    event, dispatched by the server's worker, purges it."""
    env = {"GATEWAY_CACHE_BACKEND": "memory", "GATEWAY_EVENTS_POLL_INTERVAL": "0.1"}
    live = start_server(tmp_path, seed, env=env)
    try:
        async with httpx.AsyncClient(base_url=live.url, headers=PREFLIGHT, timeout=15) as client:

            async def route() -> httpx.Response:
                params = {"query": ROUTE, "variables": orjson.dumps({"p": "/old-hello"}).decode()}
                return await client.get("/graphql", params=params)

            await route()
            assert cache_status(await route()) == "hit"
            csv = tmp_path / "redirects.csv"
            csv.write_text("from,to,status\n/old-hello,/articles/hello,301\n")
            cli_env = {**env, "GATEWAY_DATABASE_URL": live.database_url}
            done = cli(tmp_path, cli_env, "redirects", "import", str(csv))
            assert done.returncode == 0, done.stderr

            async def redirected() -> bool:
                answer = (await route()).json()["data"]["route"]
                return answer["__typename"] == "Redirect"

            await until(redirected, within=10)
    finally:
        live.stop()


def test_an_unreachable_shared_cache_stops_the_write_with_a_clear_error(tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    run_migrations(database_url)
    env = {
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        "GATEWAY_CACHE_BACKEND": "redis",
    }
    csv = tmp_path / "redirects.csv"
    csv.write_text("from,to,status\n/old-hello,/articles/hello,301\n")
    done = cli(tmp_path, env, "redirects", "import", str(csv))
    assert done.returncode == 1
    assert "cannot reach Redis" in done.stderr and "nothing was written" in done.stderr
    assert "Traceback" not in done.stderr

    async def redirects(db: Any) -> int:
        return len(await db.all(select(redirect_t.c.id)))

    assert run_async(redirects, database_url) == 0
