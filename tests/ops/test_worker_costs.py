"""What a worker does to keep per-request CPU low: the start-up heap out of the garbage
collector, recent bodies' text remembered, a sized SQLite pool (no connection, and thread, per
burst of requests)."""

from __future__ import annotations

import gc
from contextlib import AsyncExitStack
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.util import greenlet_spawn

from gateway.ops.drain import GC_YOUNG_THRESHOLD, settle_heap
from resolvers import site
from resolvers.db import make_engine
from resolvers.site import plain_text


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
