"""What a worker does to keep per-request CPU low: the start-up heap out of the garbage
collector, recent bodies' text remembered, a sized SQLite pool (no connection, and thread, per
burst of requests) and SQLite reads run a few at a time."""

from __future__ import annotations

import asyncio
import gc
import weakref
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Select,
    Table,
    event,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.util import greenlet_spawn

from gateway.app import create_app
from gateway.config.settings import Settings
from gateway.ops.drain import GC_YOUNG_THRESHOLD, settle_heap
from resolvers import site
from resolvers.db import OPEN, Database, make_engine
from resolvers.hot.driver import HotStatement
from resolvers.site import plain_text
from tests.live_server import lifespan
from tests.support import add_article, add_author, gql, ok


def test_settle_heap_freezes_what_start_up_built() -> None:
    before = gc.get_threshold()
    built = [{"start-up": n} for n in range(1000)]
    try:
        settle_heap()
        assert gc.get_freeze_count() >= len(built)
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_plain_text_remembers_recent_bodies_but_not_huge_ones() -> None:
    body = "<p>Hello <b>world</b></p><script>x()</script><p>again &amp; again</p>"
    hits = site._recent_plain_text.cache_info().hits
    assert plain_text(body) == "Hello world again & again"
    assert plain_text(body) == "Hello world again & again"
    assert site._recent_plain_text.cache_info().hits > hits
    huge = "<p>" + "word " * site.PLAIN_TEXT_CACHE_MAX_CHARS + "</p>"
    size = site._recent_plain_text.cache_info().currsize
    assert plain_text(huge) == ("word " * site.PLAIN_TEXT_CACHE_MAX_CHARS).strip()
    assert site._recent_plain_text.cache_info().currsize == size
    assert plain_text("") == ""


async def test_sqlite_file_pool_has_the_configured_size(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}", pool_size=7, max_overflow=3)
    memory = make_engine("sqlite+aiosqlite://", pool_size=7)  # no sized pool in memory
    try:
        # A SQLite file keeps the overflow too: opening a connection starts a thread.
        assert engine.pool.size() == 10  # type: ignore[attr-defined]  # QueuePool
        async with AsyncExitStack() as stack:
            for _ in range(10):
                await stack.enter_async_context(engine.connect())
        assert engine.pool.checkedin() == 10  # type: ignore[attr-defined]  # all kept open
        for each in (engine, memory):
            async with each.connect() as conn:
                assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
        await memory.dispose()


async def test_sqlite_connection_returns_to_the_pool_without_an_open_transaction(
    tmp_path: Path,
) -> None:
    """Reads return their connection without the rollback hand-off; a connection returned in
    the middle of a write is still rolled back: the write is not there, nothing is locked."""
    engine = make_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'reset.db'}", pool_size=1, max_overflow=0
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        raw = await engine.raw_connection()  # the one pooled connection, as hot reads use it
        await raw.driver_connection.execute("INSERT INTO t VALUES (1)")
        assert raw.driver_connection.in_transaction
        await greenlet_spawn(raw.close)  # back to the pool with the write still open
        async with engine.connect() as conn:  # the same connection, checked out again
            assert not (await conn.get_raw_connection()).driver_connection.in_transaction
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        async with engine.begin() as conn:  # and the file is not left locked
            await conn.execute(text("INSERT INTO t VALUES (2)"))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT x FROM t"))).scalars().all() == [2]
    finally:
        await engine.dispose()


SLOW_COUNT = text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
    "SELECT count(*) FROM n"
)


def _slow_rows(_is_sqlite: bool) -> Select[Any]:
    """A hot statement that takes a few milliseconds (a recursive count)."""
    numbers = select(literal(1).label("i")).cte("n", recursive=True)
    numbers = numbers.union_all(select(numbers.c.i + 1).where(numbers.c.i < 100000))
    return select(func.count().label("n")).select_from(numbers)


async def _reads_at_once(db: Database) -> tuple[int, int, list[int]]:
    """Twelve reads started together (hot statements and Core selects): the most that were
    in the database at the same moment, the connections the pool opened, and the answers."""
    running, most, opened = 0, 0, 0

    def before(*_: object) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)

    def after(*_: object) -> None:
        nonlocal running
        running -= 1

    def connected(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    event.listen(db.engine.sync_engine, "after_cursor_execute", after)
    event.listen(db.engine.sync_engine.pool, "connect", connected)
    hot = HotStatement("slow-count", _slow_rows)
    try:
        results = await asyncio.gather(
            *(hot.all(db) for _ in range(6)), *(db.all(SLOW_COUNT) for _ in range(6))
        )
    finally:
        await db.dispose()
    return most, opened, [rows[0][0] for rows in results]


async def test_sqlite_reads_run_at_most_the_configured_number_at_once(tmp_path: Path) -> None:
    """Each aiosqlite connection is a thread: a dozen reads at once would contend for the
    interpreter lock. The gate lets the configured number in; the rest wait, and all answer."""
    for concurrency in (1, 3):
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / f'{concurrency}.db'}")
        db = Database(engine, sqlite_read_concurrency=concurrency)
        most, opened, answers = await _reads_at_once(db)
        assert answers == [100000] * 12
        assert opened == most  # one connection (and thread) per read allowed in, no more
        if concurrency == 1:
            assert most == 1
        else:
            assert 1 < most <= 3  # the gate, not the test, kept the first run to one at a time


async def test_postgres_reads_wait_in_line_for_the_pools_connections(database_url: str) -> None:
    """PostgreSQL reads beyond the pool's size wait for a pooled connection in arrival order
    instead of opening overflow connections (which the pool closes on return: a connection
    set-up per statement under a burst). SQLite: one at a time, by default."""
    engine = make_engine(database_url, pool_size=3, max_overflow=5)
    db = Database(engine)
    most, opened, answers = await _reads_at_once(db)
    assert answers == [100000] * 12
    if db.is_sqlite:
        assert (most, opened) == (1, 1)
    else:
        assert 1 < most <= 3
        assert opened <= 3  # never the overflow


def test_a_pool_without_a_size_has_no_read_gate() -> None:
    """A pool that opens a connection per use (NullPool) has no size to queue for."""
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", poolclass=NullPool)
    assert Database(engine).reading() is OPEN


HOME = """query Home {
  articles(first: 5) {
    nodes { id title author { name } seo { title description } categories { name } }
  }
}"""


async def test_a_requests_objects_are_freed_without_the_garbage_collector(
    settings: Settings, db: Database
) -> None:
    """A finished request leaves no reference cycle behind (loaders holding themselves through
    their batch functions, the context through its loaders, graphql-core's executor through
    its helpers): its context, loaders and executor are freed when the request lets go of
    them, and the collector has nothing of it to find."""
    author = await add_author(db, "Ada")
    for n in range(3):
        await add_article(db, f"Article {n}", authors=[author])
    application = create_app(settings.model_copy(update={"response_cache": False}))
    async with lifespan(application) as manager:
        factory = application.state.contexts
        made: list[weakref.ref[Any]] = []

        def capture(*args: Any, **kwargs: Any) -> Any:
            context = factory(*args, **kwargs)
            made.append(weakref.ref(context))
            return context

        application.state.contexts = capture
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert len(ok(await gql(c, HOME))["articles"]["nodes"]) == 3  # warm: caches filled
            gc.collect()
            gc.disable()
            try:
                data = ok(await gql(c, HOME))
                assert data["articles"]["nodes"][0]["author"] == {"name": "Ada"}
                context = made[-1]()
                assert context is None, gc.get_referrers(context)
            finally:
                gc.enable()


async def test_hot_statements_read_sqlite_instants_as_aware_utc(tmp_path: Path) -> None:
    """SQLite stores instants as naive UTC text; a hot statement hands them back as aware UTC
    values (what every reader would otherwise convert per use), whether SQLAlchemy wrote the
    text or an import wrote it with an offset."""

    stamps = Table("stamps", MetaData(), Column("id", Integer), Column("at", DateTime))
    db = Database(make_engine(f"sqlite+aiosqlite:///{tmp_path / 'stamps.db'}"))
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(stamps.metadata.create_all)
            await conn.execute(stamps.insert(), [{"id": 1, "at": datetime(2026, 3, 1, 9, 30)}])
            await conn.execute(
                text("INSERT INTO stamps VALUES (2, '2026-03-01 11:30:00+02:00'), (3, NULL)")
            )
        hot = HotStatement("stamps", lambda _: select(stamps.c.id, stamps.c.at).order_by("id"))
        rows = await hot.all(db)
    finally:
        await db.dispose()
    expected = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert [(r.id, r.at) for r in rows] == [(1, expected), (2, expected), (3, None)]
    assert rows[0].at.tzinfo is UTC and rows[1].at.tzinfo is UTC
