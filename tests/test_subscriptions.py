"""Live subscriptions over a real WebSocket (hypercorn on 127.0.0.1, graphql-transport-ws):
public data only for anonymous subscribers, Redis fan-out across instances, limits."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import websockets
from sqlalchemy import select

from gateway.app import create_app
from gateway.config import Settings
from resolvers.models import article_t
from resolvers.outbox import record_article_event, record_event
from tests.conftest import REDIS_URL, skip_or_fail
from tests.event_support import FAST_EVENTS, GqlWs, served, until
from tests.support import add_article, add_author, gql

CHANGES = """
subscription ($types: [ContentType!]) {
  contentChanged(types: $types) {
    type entityType databaseId pathsBefore pathsAfter eventId
    entity { __typename ... on Article { title status } ... on Author { name } }
  }
}"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {**FAST_EVENTS, "events_worker": True}


async def article_event(db, article_id: int, event_type: str, was_public: bool = False) -> None:
    row = (await db.all(select(article_t).where(article_t.c.id == article_id)))[0]
    path = f"/articles/{row.slug}"
    async with db.engine.begin() as conn:
        await record_article_event(
            conn, row, event_type, paths_before=[path], paths_after=[path], was_public=was_public
        )


async def subscribed(app: Any, count: int = 1) -> None:
    await until(lambda: app.state.events.subscribers >= count, within=10)


async def test_anonymous_subscriber_gets_public_changes_never_drafts(settings, db):
    app = create_app(settings)
    author = await add_author(db, "Grace Hopper")
    async with served(app) as url, GqlWs.connect(url) as ws:
        op = await ws.subscribe(CHANGES, {"types": ["ARTICLE"]})
        await subscribed(app)
        draft = await add_article(db, "Secret draft", authors=[author], status="draft")
        await article_event(db, draft, "article.created")
        await article_event(db, draft, "article.updated")
        async with db.engine.begin() as conn:  # not an article: filtered out by `types`
            await record_event(conn, "author.updated", author, slug="grace-hopper")
        public = await add_article(db, "Public news", authors=[author])
        await article_event(db, public, "article.published")
        message = await ws.next(op)
    change = message["payload"]["data"]["contentChanged"]
    assert change["type"] == "PUBLISHED" and change["entityType"] == "ARTICLE"
    assert change["databaseId"] == public
    assert change["entity"] == {
        "__typename": "Article",
        "title": "Public news",
        "status": "PUBLISHED",
    }
    assert change["eventId"].startswith("msg_")


async def test_withdrawal_of_a_public_article_is_announced_without_data(settings, db):
    app = create_app(settings)
    author = await add_author(db)
    article = await add_article(db, "Gone soon", authors=[author])
    async with served(app) as url, GqlWs.connect(url) as ws:
        op = await ws.subscribe(CHANGES)
        await subscribed(app)
        async with db.engine.begin() as conn:
            await conn.execute(
                article_t.update().where(article_t.c.id == article).values(status="draft")
            )
        await article_event(db, article, "article.unpublished", was_public=True)
        message = await ws.next(op)
    change = message["payload"]["data"]["contentChanged"]
    assert change["type"] == "UNPUBLISHED" and change["entity"] is None
    assert change["pathsBefore"] == ["/articles/gone-soon"]


async def test_article_published_streams_articles(settings, db):
    app = create_app(settings)
    author = await add_author(db, "Ada")
    async with served(app) as url, GqlWs.connect(url) as ws:
        op = await ws.subscribe("subscription { articlePublished { title author { name } } }")
        await subscribed(app)
        draft = await add_article(db, "Not yet", authors=[author], status="draft")
        await article_event(db, draft, "article.updated")
        article = await add_article(db, "Out now", authors=[author])
        await article_event(db, article, "article.published")
        message = await ws.next(op)
    assert message["payload"]["data"]["articlePublished"] == {
        "title": "Out now",
        "author": {"name": "Ada"},
    }


async def test_queries_and_mutations_are_refused_over_websocket(settings):
    app = create_app(settings)
    async with served(app) as url, GqlWs.connect(url) as ws:
        op = await ws.subscribe("{ articles { totalCount } }")
        message = await ws.next(op)
    assert message["type"] == "error"
    assert message["payload"][0]["message"] == "queries are not allowed"


async def test_subscriptions_are_refused_over_http(client):
    result = await gql(client, "subscription { articlePublished { title } }")
    assert result.response.status_code == 400
    assert result.codes == ["BAD_REQUEST"]
    assert "WebSocket" in result.errors[0]["message"]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_connection_limit(settings):
    app = create_app(settings.model_copy(update={"ws_max_connections": 1}))
    async with served(app) as url, GqlWs.connect(url):
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with GqlWs.connect(url):
                pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_idle_connections_are_closed(settings):
    app = create_app(settings.model_copy(update={"ws_idle_timeout": 0.3}))
    async with served(app) as url, GqlWs.connect(url) as ws:
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            await ws.receive(within=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408


async def test_redis_fans_out_between_instances(settings: Settings, db):
    if not REDIS_URL:
        skip_or_fail("GATEWAY_TEST_REDIS_URL is not set")
    shared = {"redis_url": REDIS_URL, "events_redis_channel": f"test:{uuid.uuid4().hex}"}
    writer = create_app(settings.model_copy(update={**shared, "events_worker": True}))
    reader = create_app(settings.model_copy(update={**shared, "events_worker": False}))
    author = await add_author(db, "Linus")
    async with served(writer), served(reader) as reader_url, GqlWs.connect(reader_url) as ws:
        op = await ws.subscribe(CHANGES, {"types": ["AUTHOR"]})
        await subscribed(reader)
        async with db.engine.begin() as conn:
            await record_event(conn, "author.updated", author, slug="linus")
        message = await ws.next(op)
    change = message["payload"]["data"]["contentChanged"]
    assert change["entity"] == {"__typename": "Author", "name": "Linus"}
    assert change["type"] == "UPDATED"
