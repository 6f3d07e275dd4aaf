"""Faults (#6): PostgreSQL unreachable or failing mid-request answers 503 and the gateway recovers
by itself; slow queries block nobody else and are cut by statement_timeout or the execution
timeout. PostgreSQL only: the TCP proxy stands between the gateway and a real server (the
SQLite equivalents, timeout and internal failures, are in test_limits / test_error_hygiene)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url

from tests.conftest import _plain_dsn
from tests.live_server import lifespan
from tests.support import add_article, add_author, gql, ok
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.parametrize("backend", ["postgres"])

ARTICLES = "{ articles { nodes { title } } }"
AUTHORS = "{ authors { nodes { name } } }"
# The authors come from the root query; their articles from a dataloader batch (its own task).
NESTED = "{ authors { nodes { name articles(first: 5) { nodes { title } } } } }"
GRJ = {"accept": "application/graphql-response+json"}


@pytest.fixture
async def content(db):
    author = await add_author(db, "Jim Gray")
    await add_article(db, "Transaction Concepts", authors=[author])


@pytest.fixture
async def proxy(database_url) -> AsyncIterator[TcpProxy]:
    url = make_url(database_url)
    tcp = await TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield tcp
    await tcp.close()


@pytest.fixture
async def proxied(proxy, database_url, settings, content) -> AsyncIterator[AsyncClient]:
    """The app, with every database connection going through the proxy."""
    from gateway.app import create_app

    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    # The response cache off: these tests are about what reaches the database (a cached answer
    # would rightly still be served while it is down).
    update = {"database_url": url.render_as_string(hide_password=False), "response_cache": False}
    app = create_app(settings.model_copy(update=update))
    async with lifespan(app) as manager:
        transport = ASGITransport(app=manager.app)
        async with AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


def assert_unavailable(result) -> None:
    assert result.response.status_code == 503, result.body
    assert result.codes == ["SERVICE_UNAVAILABLE"]
    assert "data" not in result.body
    assert result.response.headers["retry-after"] == "1"
    assert "asyncpg" not in result.response.text and "Connect" not in result.response.text


async def test_unreachable_database_is_503_and_the_gateway_recovers(proxied, proxy):
    expected = {"articles": {"nodes": [{"title": "Transaction Concepts"}]}}
    assert ok(await gql(proxied, ARTICLES)) == expected
    proxy.cut_all()
    assert_unavailable(await gql(proxied, ARTICLES))
    assert_unavailable(await gql(proxied, ARTICLES, headers=GRJ))
    assert_unavailable(await gql(proxied, AUTHORS, headers={"accept": "application/json"}))
    proxy.restore()
    # No restart: the pool was invalidated on the disconnect and opens new connections.
    assert ok(await gql(proxied, ARTICLES)) == expected
    assert ok(await gql(proxied, AUTHORS)) == {"authors": {"nodes": [{"name": "Jim Gray"}]}}


async def test_connection_lost_mid_request_is_503_and_the_gateway_recovers(proxied, proxy):
    ok(await gql(proxied, ARTICLES))
    proxy.pause()
    request = asyncio.create_task(gql(proxied, ARTICLES))
    await proxy.stalled.wait()  # the gateway has sent its query; nothing comes back
    proxy.cut_all()
    assert_unavailable(await request)
    proxy.restore()
    assert ok(await gql(proxied, ARTICLES))


@pytest.fixture
async def article_lock(database_url) -> AsyncIterator[asyncpg.Connection]:
    """A transaction holding an exclusive lock on the article table: queries on it wait."""
    conn = await asyncpg.connect(_plain_dsn(database_url))
    transaction = conn.transaction()
    await transaction.start()
    await conn.execute("LOCK TABLE article IN ACCESS EXCLUSIVE MODE")
    try:
        yield conn
    finally:
        if not conn.is_closed():
            await transaction.rollback()
            await conn.close()


WAITING_ON_LOCKS = (
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
    "AND datname = current_database()"
)


async def wait_for_lock_waiter(conn: asyncpg.Connection) -> None:
    """Until a query of the gateway waits on the lock (there is no event to await for that)."""
    for _ in range(500):
        waiting = await conn.fetchval(WAITING_ON_LOCKS)
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no query ever waited on the lock")


@pytest.mark.parametrize("settings_overrides", [{"db_statement_timeout": 0}])
async def test_a_slow_query_does_not_block_other_requests(client, content, article_lock):
    slow = asyncio.create_task(gql(client, ARTICLES))
    await wait_for_lock_waiter(article_lock)
    for _ in range(3):
        assert ok(await gql(client, AUTHORS)) == {"authors": {"nodes": [{"name": "Jim Gray"}]}}
    assert not slow.done()
    await article_lock.execute("ROLLBACK")
    await article_lock.close()
    assert ok(await slow)["articles"]["nodes"] == [{"title": "Transaction Concepts"}]


@pytest.mark.parametrize("settings_overrides", [{"db_statement_timeout": 0.3}])
async def test_statement_timeout_cancels_a_stuck_statement(client, content, article_lock):
    result = await gql(client, ARTICLES, headers=GRJ)
    assert result.response.status_code == 504
    assert result.codes == ["TIMEOUT"]
    assert "statement" in result.errors[0]["message"]
    assert "canceling" not in result.response.text  # PostgreSQL's own words stay in the log
    await article_lock.execute("ROLLBACK")
    assert ok(await gql(client, ARTICLES))


# The limit applies to every request of these tests, the stuck one and the healthy ones after
# it: 0.3 s cut a healthy request on the loaded CI machine (one of ten runs); 1 s has room.
STUCK_REQUEST_LIMIT = {"db_statement_timeout": 0, "execution_timeout": 1.0}


@pytest.mark.parametrize("settings_overrides", [STUCK_REQUEST_LIMIT])
async def test_execution_timeout_stops_a_stuck_request(client, content, article_lock):
    result = await gql(client, ARTICLES)
    assert result.response.status_code == 504
    assert result.codes == ["TIMEOUT"]
    assert "1 s" in result.errors[0]["message"]
    await article_lock.execute("ROLLBACK")
    # The abandoned connection does not poison the pool.
    for _ in range(3):
        assert ok(await gql(client, ARTICLES))


@pytest.mark.parametrize("settings_overrides", [{**STUCK_REQUEST_LIMIT, "response_cache": False}])
async def test_a_timed_out_request_leaves_no_dataloader_batch_behind(client, content, article_lock):
    """The nested articles wait on the lock inside a dataloader batch. When the request times
    out, that batch stops with it and gives its connection back: it used to wait on, holding
    the connection past the request (and past a shutdown that disposed of the pool, where
    the connection was then never closed: issue #14 item 29)."""
    result = await gql(client, NESTED)
    assert result.response.status_code == 504
    assert result.codes == ["TIMEOUT"]
    # Nothing of the request is left waiting: its batch's connection came back (its
    # transaction rolled back) before the answer was sent.
    assert await article_lock.fetchval(WAITING_ON_LOCKS) == 0
    await article_lock.execute("ROLLBACK")
    author = {"name": "Jim Gray", "articles": {"nodes": [{"title": "Transaction Concepts"}]}}
    assert ok(await gql(client, NESTED)) == {"authors": {"nodes": [author]}}
