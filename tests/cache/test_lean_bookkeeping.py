"""Reads that every request of a moment waits for after a write (the purges to apply, when the
next scheduled change is) and the translations of a page in another locale: their answers on
both databases, and on a SQLite file they run on the loop's own connection, never checking a
pooled connection out (under aiosqlite each statement there was four or five hand-offs to the
connection's thread, each a turn of the event loop that under load is as long as everything
else ready to run)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from resolvers.cache.purges import purges_after, record_purge
from resolvers.cache_tags import next_scheduled_publish
from resolvers.db import Database, now_utc
from tests.locale_support import add_translation
from tests.seo_support import editor_loaders
from tests.support import add_article, add_author, add_term, ago, ahead


@contextmanager
def pool_checkouts(db: Database) -> Iterator[list[object]]:
    """Connections checked out of the pool inside the block."""
    seen: list[object] = []

    def checkout(dbapi_connection: object, *_: object) -> None:
        seen.append(dbapi_connection)

    pool = db.engine.sync_engine.pool
    event.listen(pool, "checkout", checkout)
    try:
        yield seen
    finally:
        event.remove(pool, "checkout", checkout)


async def test_next_scheduled_change_is_the_nearest_start_or_end(db):
    now = now_utc()
    assert await next_scheduled_publish(db, now) is None  # nothing scheduled, nothing ending
    starts = ahead(hours=3)
    await add_article(db, "Later", authors=[], published_at=starts)
    await add_article(
        db, "A draft dated sooner", authors=[], status="draft", published_at=ahead(hours=1)
    )
    assert await next_scheduled_publish(db, now) == starts  # drafts never go live by themselves
    ends = ahead(hours=2)
    await add_article(db, "Ending", authors=[], published_at=ago(days=1), unpublish_at=ends)
    await add_article(db, "Ended", authors=[], published_at=ago(days=2), unpublish_at=ago(hours=1))
    assert await next_scheduled_publish(db, now) == ends
    assert await next_scheduled_publish(db, ends + timedelta(seconds=1)) == starts


async def test_purges_after_a_generation_in_commit_order(db):
    for tags in ({"list:article", "article:1"}, {"author:2"}, {"path:/x"}):
        async with db.sessions() as session, session.begin():
            await record_purge(session, tags, now_utc())
    purges = await purges_after(db, 0)
    gens = [p.gen for p in purges]
    assert gens == sorted(gens) and len(gens) == 3
    assert [p.tags for p in purges] == [("article:1", "list:article"), ("author:2",), ("path:/x",)]
    assert [p.tags for p in await purges_after(db, gens[0])] == [("author:2",), ("path:/x",)]
    assert [p.gen for p in await purges_after(db, gens[0], limit=1)] == [gens[1]]
    assert await purges_after(db, gens[-1]) == []


async def test_translations_of_a_page_in_another_locale(db):
    author = await add_author(db, "Ada Lovelace")
    other = await add_author(db, "Grace Hopper")
    category = await add_term(db, "category", "Science")
    await add_translation(db, "author", author, "de", "Ada Lovelace (de)", slug="ada-de")
    await add_translation(db, "author", author, "fr", "Ada Lovelace (fr)", slug="ada-fr")
    await add_translation(db, "category", category, "de", "Wissenschaft")
    loaders = editor_loaders(db)
    keys = [
        ("author", author, "de"),
        ("author", other, "de"),  # no translation
        ("category", category, "de"),
        ("author", author, "fr"),
        ("category", category, "fr"),  # none in that locale
    ]
    with pool_checkouts(db) as checkouts:
        rows = await loaders.translation_by_entity_locale.load_many(keys)
        alternates = await loaders.translations_by_entity.load_many(
            [("author", author), ("author", other), ("category", category)]
        )
    assert [None if r is None else r.name for r in rows] == [
        "Ada Lovelace (de)",
        None,
        "Wissenschaft",
        "Ada Lovelace (fr)",
        None,
    ]
    assert [[(r.locale, r.slug) for r in found] for found in alternates] == [
        [("de", "ada-de"), ("fr", "ada-fr")],
        [],
        [("de", "wissenschaft")],
    ]
    if db.is_sqlite:
        assert checkouts == []


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL has no loop-side connection
async def test_bookkeeping_reads_never_check_a_connection_out_on_sqlite(db):
    await add_article(db, "Later", authors=[], published_at=ahead(hours=3))
    async with db.sessions() as session, session.begin():
        await record_purge(session, {"list:article"}, now_utc())
    with pool_checkouts(db) as checkouts:
        assert await next_scheduled_publish(db, now_utc()) is not None
        assert len(await purges_after(db, 0)) == 1
    assert checkouts == []
