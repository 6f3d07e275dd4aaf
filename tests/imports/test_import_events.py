"""An import's summary event reaches webhooks and purges, and does not trip live subscribers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gateway.app import create_app
from resolvers.events.outbox import record_article_event, record_event
from resolvers.models import article_t
from tests.event_support import FAST_EVENTS, GqlWs, served, until
from tests.support import add_article, add_author

CHANGES = """subscription { contentChanged { type entityType databaseId } }"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {**FAST_EVENTS, "events_worker": True}


async def test_subscribers_skip_the_import_summary_and_keep_listening(settings, db):
    app = create_app(settings)
    author = await add_author(db, "Grace Hopper")
    async with served(app) as url, GqlWs.connect(url) as ws:
        op = await ws.subscribe(CHANGES)
        await until(lambda: app.state.events.subscribers >= 1, within=10)
        async with db.engine.begin() as conn:
            await record_event(conn, "import.completed", 0, data={"source": "wordpress:x"})
        public = await add_article(db, "Public news", authors=[author])
        row = (await db.all(select(article_t).where(article_t.c.id == public)))[0]
        async with db.engine.begin() as conn:
            await record_article_event(conn, row, "article.published", was_public=False)
        message = await ws.next(op)
    change = message["payload"]["data"]["contentChanged"]
    assert (change["type"], change["entityType"], change["databaseId"]) == (
        "PUBLISHED", "ARTICLE", public,
    )  # fmt: skip
