"""Pooled SQLite statements run in one hand-off to aiosqlite's thread (``resolvers.sqlite_cursor``)
and answer as SQLAlchemy's own cursor did: rows, row counts, generated ids, errors, transactions,
streamed results."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from resolvers.db import Database, make_engine

notes = Table(
    "notes",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("text", String, nullable=False, unique=True),
)


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(make_engine(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}"))
    async with database.engine.begin() as conn:
        await conn.run_sync(notes.metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call handed to an aiosqlite connection's thread, by name."""
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def test_a_statement_is_one_hand_off(db, hand_offs):
    async with db.engine.connect() as conn:
        await conn.execute(select(1))  # the connection is open and set up
        hand_offs.clear()
        rows = (await conn.execute(select(notes.c.id))).all()
        assert rows == []
        assert hand_offs == ["_run"]
        hand_offs.clear()
        await conn.execute(insert(notes).values(text="one"))
        await conn.commit()
    assert hand_offs == ["_run", "commit"]


async def test_rows_counts_ids_and_many_rows(db):
    async with db.engine.begin() as conn:
        first = await conn.execute(insert(notes).values(text="one"))
        assert first.inserted_primary_key == (1,)
        await conn.execute(insert(notes), [{"text": "two"}, {"text": "three"}, {"text": "four"}])
        changed = await conn.execute(
            update(notes).where(notes.c.id > 2).values(text=notes.c.text + "!")
        )
        assert changed.rowcount == 2
    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(notes.c.id, notes.c.text).order_by(notes.c.id))).all()
        assert [tuple(r) for r in rows] == [(1, "one"), (2, "two"), (3, "three!"), (4, "four!")]
        assert (await conn.execute(select(func.count()).select_from(notes))).scalar_one() == 4
        first = (await conn.execute(select(notes.c.text).order_by(notes.c.id))).first()
        assert first == ("one",)
        streamed = await conn.stream(select(notes.c.text).order_by(notes.c.id))
        assert [r.text async for r in streamed] == ["one", "two", "three!", "four!"]


async def test_errors_are_sqlalchemys_and_leave_nothing_half_written(db):
    async with db.engine.begin() as conn:
        await conn.execute(insert(notes).values(text="one"))
    with pytest.raises(IntegrityError):
        async with db.engine.begin() as conn:
            await conn.execute(insert(notes).values(text="two"))
            await conn.execute(insert(notes).values(text="one"))  # unique
    with pytest.raises(OperationalError):
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT * FROM no_such_table"))
    async with db.engine.connect() as conn:  # the pool's connections still serve
        rows = (await conn.execute(select(notes.c.text))).scalars().all()
    assert rows == ["one"]  # "two" was rolled back with the failed transaction
