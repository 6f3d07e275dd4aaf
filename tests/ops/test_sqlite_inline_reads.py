"""Hot statements on SQLite run on the event loop's own read-only connection
(``resolvers.sqlite_reader``): the same rows as through the pool, no pooled connection, every
committed write seen, and the pool's path whenever that connection cannot answer at once."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, select

from resolvers.db import Database, make_engine
from resolvers.hot.driver import HotStatement, id_in
from resolvers.models import article_t

notes = Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("text", String))
ALL_NOTES = HotStatement("notes", lambda _: select(notes.c.id, notes.c.text).order_by(notes.c.id))


def file_database(path: Path, **options: bool) -> Database:
    return Database(make_engine(f"sqlite+aiosqlite:///{path}"), **options)


def counted(db: Database) -> dict[str, int]:
    """Statement events and pool checkouts of the engine, as they happen."""
    seen = {"statements": 0, "checkouts": 0}
    engine = db.engine.sync_engine

    def statement(*_: object) -> None:
        seen["statements"] += 1

    def checkout(*_: object) -> None:
        seen["checkouts"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine.pool, "checkout", checkout)
    return seen


@pytest.fixture
async def db(tmp_path: Path):
    database = file_database(tmp_path / "notes.db")
    async with database.engine.begin() as conn:
        await conn.run_sync(notes.metadata.create_all)
        await conn.execute(notes.insert(), [{"id": 1, "text": "one"}, {"id": 2, "text": "two"}])
    yield database
    await database.dispose()


async def test_a_hot_statement_runs_inline_with_its_events_and_no_pooled_connection(db):
    seen = counted(db)
    rows = await ALL_NOTES.all(db)
    assert [(r.id, r.text) for r in rows] == [(1, "one"), (2, "two")]
    assert seen == {"statements": 1, "checkouts": 0}
    assert db.sqlite_reader is not None and db.sqlite_reader.connection is not None


async def test_the_same_rows_as_through_the_pool(db, tmp_path: Path):
    pooled = file_database(tmp_path / "notes.db", sqlite_inline_reads=False)
    try:
        assert pooled.sqlite_reader is None
        seen = counted(pooled)
        assert await ALL_NOTES.all(pooled) == await ALL_NOTES.all(db)
        assert seen == {"statements": 1, "checkouts": 1}
    finally:
        await pooled.dispose()


async def test_every_committed_write_is_seen_by_the_next_read(db):
    for n in range(3, 8):
        async with db.engine.begin() as conn:
            await conn.execute(notes.insert(), [{"id": n, "text": f"note {n}"}])
        rows = await ALL_NOTES.all(db)
        assert rows[-1].text == f"note {n}" and len(rows) == n
    async with db.engine.begin() as conn:
        await conn.execute(notes.update().where(notes.c.id == 1).values(text="edited"))
    assert (await ALL_NOTES.all(db))[0].text == "edited"


async def test_the_connection_is_read_only(db):
    await ALL_NOTES.all(db)
    assert db.sqlite_reader is not None and db.sqlite_reader.connection is not None
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.sqlite_reader.connection.execute("DELETE FROM notes")


async def test_a_file_it_cannot_open_goes_through_the_pool_and_is_not_created(db, tmp_path):
    assert db.sqlite_reader is not None
    missing = tmp_path / "elsewhere.db"
    db.sqlite_reader.path = str(missing)  # the reader cannot open it; the pool's file is fine
    seen = counted(db)
    rows = await ALL_NOTES.all(db)
    assert [r.text for r in rows] == ["one", "two"]
    assert not missing.exists()
    assert seen == {"statements": 2, "checkouts": 1}  # tried inline, then run on the pool


async def test_a_locked_database_waits_on_the_pool_thread_not_on_the_event_loop(tmp_path):
    # Rollback-journal mode: a writer's exclusive lock keeps readers out (WAL would not).
    path = tmp_path / "locked.db"
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text VARCHAR)")
    setup.execute("INSERT INTO notes VALUES (1, 'one')")
    setup.commit()
    setup.close()
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    db = file_database(path)
    try:
        read = asyncio.create_task(ALL_NOTES.all(db))
        ticks = 0
        for _ in range(20):  # the loop keeps running while the read waits for the lock
            await asyncio.sleep(0.01)
            ticks += 1
        assert not read.done() and ticks == 20
        locker.execute("ROLLBACK")
        rows = await asyncio.wait_for(read, 10)
        assert [(r.id, r.text) for r in rows] == [(1, "one")]
    finally:
        locker.close()
        await db.dispose()


async def test_dispose_closes_the_connection(tmp_path: Path):
    database = file_database(tmp_path / "notes.db")
    async with database.engine.begin() as conn:
        await conn.run_sync(notes.metadata.create_all)
    await ALL_NOTES.all(database)
    reader = database.sqlite_reader
    assert reader is not None and reader.connection is not None
    await database.dispose()
    assert reader.connection is None


@pytest.mark.parametrize(
    "url",
    ["sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///{}?timeout=9"],
)
async def test_no_inline_connection_where_a_second_one_would_not_see_the_same_data(url, tmp_path):
    # In memory: another connection is another database. Options in the URL: another
    # connection would not be opened the same way.
    database = Database(make_engine(url.format(tmp_path / "options.db")))
    try:
        assert database.sqlite_reader is None
    finally:
        await database.dispose()


async def test_engines_on_both_databases_coming_and_going_each_get_their_own_sql(
    sqlite_template: Path, postgres_shared: str
):
    """A hot statement compiles once per dialect; a dialect freed with its engine must not
    lend its compiled SQL to the next engine's dialect at the same address (PostgreSQL's
    ``= ANY($1::INTEGER[])`` reached SQLite once, as a syntax error)."""
    ids = HotStatement(
        "ids",
        lambda is_sqlite: select(article_t.c.id).where(id_in(article_t.c.id, "ids", is_sqlite)),
    )
    for _ in range(25):
        for url in (f"sqlite+aiosqlite:///{sqlite_template}", postgres_shared):
            database = Database(make_engine(url))
            try:
                assert await ids.all(database, ids=[-1, -2]) == []
            finally:
                await database.dispose()
            del database
            gc.collect()
