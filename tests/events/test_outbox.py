"""The outbox: an event exists iff the change that wrote it committed (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from resolvers.db import as_utc
from resolvers.events.deliveries import dispatch
from resolvers.events.models import outbox_event_t
from resolvers.events.outbox import (
    article_event_type,
    check_patterns,
    matches,
    record_article_event,
    record_event,
)
from resolvers.models import article_t
from tests.support import add_article, add_author, ago, ahead


async def events(db):
    return (await db.all(select(outbox_event_t).order_by(outbox_event_t.c.id))) or []


class Boom(Exception):
    pass


async def test_event_commits_with_the_change(db):
    author = await add_author(db)
    article = await add_article(db, "Draft", authors=[author], status="draft")
    async with db.sessions() as session, session.begin():
        await session.execute(
            update(article_t).where(article_t.c.id == article).values(title="Renamed")
        )
        await record_event(
            session, "article.updated", article, slug="draft", paths_after=["/articles/draft"]
        )
    [event] = await events(db)
    assert (event.type, event.entity_type, event.entity_id) == (
        "article.updated",
        "article",
        article,
    )
    assert event.event_id.startswith("msg_")
    assert event.payload["pathsAfter"] == ["/articles/draft"]
    assert event.dispatched_at is None


async def test_rolled_back_change_leaves_no_event(db):
    author = await add_author(db)
    article = await add_article(db, "Draft", authors=[author], status="draft")
    with pytest.raises(Boom):
        async with db.sessions() as session, session.begin():
            await session.execute(
                update(article_t).where(article_t.c.id == article).values(title="Lost")
            )
            await record_event(session, "article.updated", article, slug="draft")
            raise Boom
    assert await events(db) == []
    title = await db.scalar(select(article_t.c.title).where(article_t.c.id == article))
    assert title == "Draft"


async def test_event_on_a_plain_connection_rolls_back_too(db):
    with pytest.raises(Boom):
        async with db.engine.begin() as conn:
            await record_event(conn, "author.created", 1, slug="ada")
            raise Boom
    assert await db.scalar(select(func.count()).select_from(outbox_event_t)) == 0


async def test_unknown_event_type_is_refused(db):
    async with db.engine.begin() as conn:
        with pytest.raises(ValueError, match="unknown event type"):
            await record_event(conn, "article.exploded", 1)


async def test_scheduling_records_the_publication_for_later(db):
    author = await add_author(db)
    when = ahead(hours=2)
    article = await add_article(db, "Soon", authors=[author], status="published", published_at=when)
    row = (await db.all(select(article_t).where(article_t.c.id == article)))[0]
    async with db.engine.begin() as conn:
        await record_article_event(
            conn, row, "article.scheduled", paths_after=["/articles/soon"], was_public=False
        )
    scheduled, due = await events(db)
    assert scheduled.type == "article.scheduled" and scheduled.payload["public"] is False
    assert due.type == "article.published" and due.payload["scheduled"] is True
    assert as_utc(due.available_at) == when
    # Only the scheduling is due now; the publication waits for its time.
    dispatched = await dispatch(db, datetime.now(UTC), limit=10, purge=False)
    assert [e.type for e in dispatched] == ["article.scheduled"]
    later = await dispatch(db, ahead(hours=3), limit=10, purge=False)
    assert [e.type for e in later] == ["article.published"]


async def test_a_rescheduled_publication_is_superseded(db):
    author = await add_author(db)
    article = await add_article(
        db, "Moved", authors=[author], status="published", published_at=ahead(hours=1)
    )
    row = (await db.all(select(article_t).where(article_t.c.id == article)))[0]
    async with db.engine.begin() as conn:
        await record_article_event(conn, row, "article.scheduled", was_public=False)
        # The editor unpublishes it before its time.
        await conn.execute(
            update(article_t)
            .where(article_t.c.id == article)
            .values(status="draft", published_at=None)
        )
    dispatched = await dispatch(db, ahead(hours=2), limit=10, purge=False)
    assert [e.type for e in dispatched] == ["article.scheduled"]  # no stale publication


def test_article_event_types():
    now = datetime.now(UTC)
    past, future = ago(hours=1), ahead(hours=1)
    assert article_event_type(None, ("draft", None), now) == "article.created"
    assert article_event_type(("draft", None), None, now) == "article.deleted"
    assert article_event_type(("draft", None), ("draft", None), now) == "article.updated"
    assert article_event_type(("draft", None), ("published", past), now) == "article.published"
    assert article_event_type(("draft", None), ("published", future), now) == "article.scheduled"
    assert article_event_type(("published", past), ("draft", None), now) == "article.unpublished"
    assert article_event_type(("published", past), ("archived", past), now) == "article.archived"
    assert (
        article_event_type(("published", future), ("published", ahead(hours=5)), now)
        == "article.scheduled"
    )


def test_event_filters():
    assert check_patterns(["*"]) == []
    assert check_patterns(["article.*", "tag.deleted"]) == []
    assert check_patterns([]) == ['List at least one event type, or "*" for all of them.']
    assert check_patterns(["article.exploded", "widget.*"]) == [
        "Unknown event type 'article.exploded'.",
        "Unknown event type 'widget.*'.",
    ]
    assert matches(["article.*"], "article.published")
    assert matches(["*"], "redirect.created")
    assert not matches(["article.published"], "article.updated")
