"""A database fault while an answer is being stored in the response cache (after execution) is
the documented coded error, never a bare 500: PostgreSQL behind a TCP proxy that is cut while
the store's bookkeeping query waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from gateway.app import create_app
from tests.conftest import _plain_dsn
from tests.event_support import until
from tests.live_server import lifespan
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.parametrize("backend", ["postgres"])

# No pattern matches this path, so execution reads only the redirects table; the answer is
# clock-dependent, so storing it first looks up the next scheduled publication (article table).
NOWHERE = '{ route(path: "/nowhere/at/all") { __typename } }'


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(database_url)
    tcp = await TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield tcp
    await tcp.close()


@pytest.fixture
async def client(proxy, database_url, settings) -> AsyncIterator[httpx.AsyncClient]:
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    app = create_app(settings.model_copy(update={"database_url": url.render_as_string(False)}))
    async with lifespan(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


async def waiting_on_lock(admin: asyncpg.Connection) -> bool:
    rows = await admin.fetch(
        "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query ILIKE '%min(article.published_at)%'"
    )
    return bool(rows)


async def test_connection_lost_while_storing_is_503_with_retry_after(client, proxy, database_url):
    dsn = _plain_dsn(database_url)
    locker = await asyncpg.connect(dsn)
    admin = await asyncpg.connect(dsn)
    try:
        locking = locker.transaction()
        await locking.start()
        await locker.execute("LOCK TABLE article IN ACCESS EXCLUSIVE MODE")
        request = asyncio.create_task(
            client.post("/graphql", json={"query": NOWHERE}, headers={"accept": "application/json"})
        )
        await until(lambda: waiting_on_lock(admin))
        proxy.cut_all()  # the gateway loses its connection in the middle of storing the answer
        response = await request
        await locking.rollback()
    finally:
        await locker.close()
        await admin.close()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "data" not in body
    proxy.restore()
    again = await client.post("/graphql", json={"query": NOWHERE})
    assert again.status_code == 200
    assert again.json()["data"]["route"]["__typename"] == "NotFound"
