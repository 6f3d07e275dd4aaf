"""Live subscriptions over a real WebSocket (hypercorn on 127.0.0.1, graphql-transport-ws):
public data only for anonymous subscribers, Redis fan-out across instances, limits."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from gateway.app import create_app
from gateway.config.settings import Settings
from resolvers.events.outbox import record_article_event, record_event
from resolvers.models import article_t
from tests.auth_support import add_token, bearer, gid
from tests.conftest import REDIS_URL, skip_or_fail
from tests.event_support import FAST_EVENTS, GqlWs, receiver, served, until
from tests.support import add_article, add_author, gql, ok

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


CREATE_ARTICLE = """mutation ($input: CreateArticleInput!) {
  createArticle(input: $input) { ... on ArticleSaved { article { id } } } }"""
PUBLISH = """mutation ($id: ID!) {
  publishArticle(input: {id: $id}) { __typename } }"""


async def test_a_publish_through_a_mutation_reaches_subscribers(settings, db):
    app = create_app(settings)
    token = await add_token(db, "editor")
    author = await add_author(db, "Ada")
    editor_init = {"Authorization": f"Bearer {token}"}
    async with (
        served(app) as url,
        GqlWs.connect(url) as anonymous,
        GqlWs.connect(url, editor_init) as editor,
        httpx.AsyncClient(
            base_url=url.replace("ws://", "http://").removesuffix("/graphql")
        ) as http,
    ):
        anonymous_op = await anonymous.subscribe(CHANGES, {"types": ["ARTICLE"]})
        editor_op = await editor.subscribe(CHANGES, {"types": ["ARTICLE"]})
        await subscribed(app, 2)
        headers = bearer(token)
        variables = {"input": {"title": "Draft news", "authorIds": [gid("Author", author)]}}
        created = ok(await gql(http, CREATE_ARTICLE, variables, headers=headers))
        article_id = created["createArticle"]["article"]["id"]
        draft = (await editor.next(editor_op))["payload"]["data"]["contentChanged"]
        assert draft["type"] == "CREATED" and draft["entity"]["status"] == "DRAFT"
        ok(await gql(http, PUBLISH, {"id": article_id}, headers=headers))
        first_public = (await anonymous.next(anonymous_op))["payload"]["data"]["contentChanged"]
        published = (await editor.next(editor_op))["payload"]["data"]["contentChanged"]
    # The anonymous subscriber's first message is the publication: the draft never reached it.
    assert first_public["type"] == "PUBLISHED"
    assert first_public["entity"] == {
        "__typename": "Article",
        "title": "Draft news",
        "status": "PUBLISHED",
    }
    assert published["eventId"] == first_public["eventId"]


async def test_bad_credentials_close_the_connection(settings):
    app = create_app(settings)
    async with served(app) as url:
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            async with GqlWs.connect(url, {"Authorization": "Bearer cgw_not-a-real-token"}):
                pass
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_mutation_reaches_a_webhook(settings, db):
    app = create_app(settings)
    token = await add_token(db, "admin")
    author = await add_author(db, "Ada")
    headers = bearer(token)
    async with (
        receiver() as r,
        served(app) as url,
        httpx.AsyncClient(
            base_url=url.replace("ws://", "http://").removesuffix("/graphql")
        ) as http,
    ):
        create = """mutation ($url: String!) { createWebhook(input: {url: $url,
          events: ["article.published"]}) { ... on WebhookCreated { secret } } }"""
        secret = ok(await gql(http, create, {"url": r.url}, headers=headers))["createWebhook"][
            "secret"
        ]
        variables = {"input": {"title": "Hooked", "authorIds": [gid("Author", author)]}}
        created = ok(await gql(http, CREATE_ARTICLE, variables, headers=headers))
        ok(
            await gql(
                http, PUBLISH, {"id": created["createArticle"]["article"]["id"]}, headers=headers
            )
        )
        [request] = await r.wait_for(1)
    body = Webhook(secret).verify(request.body, request.headers)
    assert body["type"] == "article.published" and body["data"]["slug"] == "hooked"
