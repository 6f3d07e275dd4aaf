"""``RequestLoader.load_all``: a root list's relations read at once, without a future per key,
and the same values, statements and cache as ``load_many``; nested lists still batch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiodataloader import DataLoader
from sqlalchemy import event

from resolvers.access import ANONYMOUS
from resolvers.content import hot_reads
from schema.loaders import RequestLoaders
from tests.support import add_article, add_author, add_term


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


# --- priming: values are held as they are until a load asks for them -------------------------


async def test_a_primed_value_is_what_load_and_answered_return_without_a_statement(db):
    ada = await add_author(db, "Ada")
    ids = [await add_article(db, f"P{i}", authors=[ada]) for i in range(3)]
    loaders = RequestLoaders(db, ANONYMOUS, datetime.now(UTC))
    bodies = loaders.body_by_article_id
    seen = statements(db)
    bodies.prime(ids[0], "first").prime(ids[0], "second")  # the first primed value stays
    bodies.prime(ids[1], None)
    assert bodies.answered(ids[:2]) == ["first", None]
    assert bodies.answered(ids) is None  # ids[2] was neither primed nor loaded
    assert await bodies.load(ids[0]) == "first"
    assert await bodies.load_all(ids[:2], alone=True) == ["first", None]
    assert await bodies.load_many(ids[:2]) == ["first", None]
    assert seen == []
    loaded = await bodies.load(ids[2])  # loaded, then primed: the loaded value stays
    bodies.prime(ids[2], "primed later")
    assert await bodies.load(ids[2]) == loaded != "primed later"
    assert len(seen) == 1


async def test_a_primed_exception_fails_its_load_and_is_not_an_answer(db):
    loaders = RequestLoaders(db, ANONYMOUS, datetime.now(UTC))
    bodies = loaders.body_by_article_id
    bodies.prime(7, ValueError("broken"))
    assert bodies.answered([7]) is None
    with pytest.raises(ValueError, match="broken"):
        await bodies.load(7)


async def test_clear_drops_a_primed_value_and_the_next_load_reads_the_database(db):
    ada = await add_author(db, "Ada")
    article = await add_article(db, "Cleared", authors=[ada])
    loaders = RequestLoaders(db, ANONYMOUS, datetime.now(UTC))
    bodies = loaders.body_by_article_id
    bodies.prime(article, "stale")
    bodies.clear(article)
    seen = statements(db)
    assert await bodies.load(article) != "stale"
    assert len(seen) == 1
    bodies.prime(article + 1, "x").clear_all()
    assert bodies.answered([article + 1]) is None


async def test_a_request_loader_has_everything_aiodataloaders_constructor_sets(db):
    async def batch(keys: list[int]) -> list[int]:
        return keys

    plain = DataLoader(batch)  # aiodataloader's own set-up, for comparison
    loader = RequestLoaders(db, ANONYMOUS, datetime.now(UTC)).author_by_id
    missing = [name for name in vars(plain) if not hasattr(loader, name)]
    assert missing == []
    assert loader.loop is asyncio.get_running_loop()
    assert loader.get_cache_key(("article", 1)) == ("article", 1)
    assert (loader.batch, loader.cache, loader.max_batch_size) == (True, True, None)
    ada = await add_author(db, "Ada")
    assert (await loader.load(ada)).name == "Ada"


# --- deferred primes: a loader primed before it exists gets the values when it is built --------


async def test_a_prime_for_a_loader_not_built_yet_waits_for_it_and_costs_no_statement(db):
    ada = await add_author(db, "Ada")
    article = await add_article(db, "Deferred", authors=[ada])
    loaders = RequestLoaders(db, ANONYMOUS, datetime.now(UTC))
    rows = await RequestLoaders(db, ANONYMOUS, datetime.now(UTC)).authors_by_article_id.load(
        article
    )
    loaders.prime("authors_by_article_id", [(article, rows)])
    assert "authors_by_article_id" not in loaders.built()  # nothing built just to prime it
    seen = statements(db)
    assert await loaders.authors_by_article_id.load(article) == rows
    assert seen == []
    assert loaders.deferred == {}
    # Built now: a later prime lands at once, and the first value primed or loaded stays.
    loaders.prime("authors_by_article_id", [(article, []), (article + 1, ["later"])])
    assert await loaders.authors_by_article_id.load(article) == rows
    assert loaders.authors_by_article_id.answered([article + 1]) == [["later"]]
    assert seen == [] and loaders.deferred == {}


async def test_the_links_of_one_article_are_the_rows_a_list_of_articles_reads_for_it(db):
    """An article page reads its links with the one-article statement; a list with the
    statement for many. Same rows, same order, same values (instants aware, in UTC)."""
    ada, bob = await add_author(db, "Ada"), await add_author(db, "Bob")
    science, compilers = await add_term(db, "category", "Science"), await add_term(db, "tag", "cc")
    one = await add_article(db, "One", authors=[bob, ada], categories=[science], tags=[compilers])
    two = await add_article(db, "Two", authors=[ada], tags=[compilers])
    alone = await hot_reads.all_links(db, [one])
    both = await hot_reads.all_links(db, [one, two])
    assert alone == [row for row in both if row.rel_article == one]
    assert [(r.rel_kind, r.name) for r in alone] == [
        ("author", "Bob"),
        ("author", "Ada"),
        ("category", "Science"),
        ("tag", "cc"),
    ]
    assert all(r.created_at.utcoffset() == timedelta(0) for r in alone)
    again = await hot_reads.all_links(db, [one])  # the same instants, read again
    assert [r.created_at for r in again] == [r.created_at for r in alone]
