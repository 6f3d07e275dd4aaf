"""``RequestLoader.load_all``: a root list's relations read at once, without a future per key,
and the same values, statements and cache as ``load_many``; nested lists still batch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import event

from resolvers.access import ANONYMOUS
from schema.loaders import RequestLoaders
from tests.support import add_article, add_author


def statements(db) -> list[str]:
    seen: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


async def test_alone_reads_once_and_fills_the_cache(db):
    ada, bob = await add_author(db, "Ada"), await add_author(db, "Bob")
    ids = [await add_article(db, f"A{i}", authors=[ada, bob][: 1 + i % 2]) for i in range(4)]
    expected = await RequestLoaders(
        db, ANONYMOUS, datetime.now(UTC)
    ).authors_by_article_id.load_many(ids)
    loaders = RequestLoaders(db, ANONYMOUS, datetime.now(UTC))
    seen = statements(db)
    found = await loaders.authors_by_article_id.load_all(ids, alone=True)
    assert [[a.name for a in rows] for rows in found] == [["Ada"], ["Ada", "Bob"]] * 2
    assert found == list(expected)
    assert len(seen) == 1
    assert await loaders.authors_by_article_id.load(ids[1]) == found[1]  # cached: no statement
    assert await loaders.authors_by_article_id.load_all(ids) == found
    assert len(seen) == 1


async def test_without_alone_callers_of_one_tick_share_a_batch(db):
    ada = await add_author(db, "Ada")
    ids = [await add_article(db, f"B{i}", authors=[ada]) for i in range(4)]
    loaders = RequestLoaders(db, ANONYMOUS, datetime.now(UTC))
    seen = statements(db)
    first, second = await asyncio.gather(
        loaders.authors_by_article_id.load_all(ids[:2]),
        loaders.authors_by_article_id.load_all(ids[2:]),
    )
    assert [r[0].name for r in first + second] == ["Ada"] * 4
    assert len(seen) == 1  # one statement for both (nested lists under many parents)
