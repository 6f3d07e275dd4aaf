"""Reads that meet a write: the response cache stays a cache.

A write purges a few answers; the other cached answers must keep being served from the cache,
and the purged ones must be executed once for everyone who asks at the same time, never once
per reader (a burst of fresh executions after every save was what made one save a second wreck
the read tail of the mixed benchmark)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, update

from gateway.app import create_app
from resolvers.cache.purges import record_purge
from resolvers.cache_tags import entity_tag, list_tag
from resolvers.db import Database, now_utc
from resolvers.models import article_t
from tests.cache.test_single_flight import statements
from tests.cache_support import backend_settings, cache_status, get
from tests.conftest import REDIS_URL
from tests.live_server import lifespan
from tests.support import add_article, add_author

ARTICLE = "query Page($slug: String!) { article(slug: $slug) { title } }"
LIST = "query Newest { articles(first: 5) { nodes { title } } }"
BURST = 8


@pytest.fixture(params=["memory", "redis"])
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("GATEWAY_TEST_REDIS_URL is not set")
    return {"response_cache": True, **backend_settings(request.param, request)}


@pytest.fixture
async def app(settings):
    """The Starlette app itself (the test reaches ``app.state.cache``), with its lifespan."""
    application = create_app(settings)
    async with lifespan(application):
        yield application


async def write_elsewhere(db: Database, article_id: int, title: str) -> None:
    """A rename committed by another process (a second worker, the CLI): the row and its purge
    are in the database; this gateway has heard nothing of it."""
    async with db.sessions() as session, session.begin():
        await session.execute(
            update(article_t).where(article_t.c.id == article_id).values(title=title)
        )
        await record_purge(session, {entity_tag("article", article_id)}, now_utc())


async def test_a_write_elsewhere_purges_its_article_and_leaves_the_rest_cached(client, db):
    ada = await add_author(db, "Ada Lovelace")
    engines = await add_article(db, "Engines", authors=[ada])
    await add_article(db, "Looms", authors=[ada])
    for slug in ("engines", "looms"):  # both pages cached
        assert cache_status(await get(client, ARTICLE, {"slug": slug})) == "miss"
        assert cache_status(await get(client, ARTICLE, {"slug": slug})) == "hit"
    await write_elsewhere(db, engines, "Engines, revised")

    burst = [get(client, ARTICLE, {"slug": slug}) for slug in ("engines", "looms") * BURST]
    responses = await asyncio.gather(*burst)

    renamed, other = responses[0::2], responses[1::2]
    assert {r.json()["data"]["article"]["title"] for r in renamed} == {"Engines, revised"}
    assert sum(1 for r in renamed if statements(r) > 0) == 1  # executed once for all
    assert {r.json()["data"]["article"]["title"] for r in other} == {"Looms"}
    assert [cache_status(r) for r in other] == ["hit"] * BURST  # the purge did not name it


async def test_waiters_whose_leader_could_not_store_line_up_behind_one_new_leader(app, client, db):
    ada = await add_author(db, "Ada Lovelace")
    for n in range(3):
        await add_article(db, f"Burst {n}", authors=[ada])
    purged: list[asyncio.Task[int]] = []

    def purge_while_the_leader_reads(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # A write lands while the first execution runs: its answer may predate the write, so
        # the cache refuses to store it, and the requests waiting for it get nothing. (The
        # cache's own bookkeeping reads the purge log: not the execution.)
        if not purged and "cache_purge" not in statement:
            task = asyncio.get_running_loop().create_task(
                app.state.cache.invalidate({list_tag("article")})
            )
            purged.append(task)

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", purge_while_the_leader_reads)
    try:
        responses = await asyncio.gather(*(get(client, LIST) for _ in range(BURST)))
    finally:
        event.remove(engine, "before_cursor_execute", purge_while_the_leader_reads)

    assert purged and purged[0].done()
    assert all(r.status_code == 200 for r in responses)
    assert all(len(r.json()["data"]["articles"]["nodes"]) == 3 for r in responses)
    # The first leader, then one more for the waiters; not one execution per waiter.
    assert sum(1 for r in responses if statements(r) > 0) == 2
    assert sorted(cache_status(r) for r in responses).count("hit") == BURST - 2
