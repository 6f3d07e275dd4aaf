"""Hot statements: built once with SQLAlchemy Core, compiled once per dialect to SQL text with
a fixed parameter order, and run on the driver connection (asyncpg, whose statement cache
prepares each text once per connection; the sqlite3 connection under aiosqlite).

SQLAlchemy stays the builder (so the statements share the models, the visibility rule and the
column lists with the rest of the code) but not the executor: per execution there is no
statement construction, cache-key computation, expanding-IN post-compilation or Row object.
Id lists are one parameter: ``= ANY($1)`` on PostgreSQL, ``IN (SELECT value FROM json_each(?))``
on SQLite (see ``id_in``). Rows come back as plain named tuples with the attributes the rest of
the code reads (``row.slug``), with SQLAlchemy's result processing (SQLite datetimes are
read as aware UTC values).

On a SQLite file they run on the event loop's own read-only connection
(``resolvers.sqlite_reader``), and on a pooled connection only when that one cannot answer at
once (busy, or any error).

The engine's statement events fire around each execution, so the request's SQL statistics,
tracing and statement listeners see hot statements like every other.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import DateTime, Integer, any_, bindparam, column, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.util import greenlet_spawn

from resolvers.db import Database, as_utc
from resolvers.sqlite_reader import SqliteReader

Builder = Callable[[bool], Select[Any]]  # is_sqlite -> the statement


def id_in(
    column_: Any, name: str, is_sqlite: bool, item_type: Any = Integer
) -> ColumnElement[bool]:
    """``column IN <the list parameter name>`` as one parameter, whatever the list's length
    (a list of ``item_type``: ids by default)."""
    if is_sqlite:
        values: Any = select(column("value")).select_from(func.json_each(bindparam(name)))
        return column_.in_(values)  # type: ignore[no-any-return]  # SQLAlchemy column typed Any here
    return column_ == any_(bindparam(name, type_=ARRAY(item_type)))  # type: ignore[no-any-return]  # Any column


class _Compiled:
    """One statement's SQL text for one dialect, its parameter order and row shape.

    ``names``: the columns the rows have, when the statement selects only some of them (slim
    rows, ``schema.content.slim``): the others are None, appended to each row here rather than
    selected as NULL (every column of every row costs the driver an object, NULL or not)."""

    __slots__ = ("binders", "constants", "order", "processors", "row", "sql", "tail")

    def __init__(
        self, stmt: Select[Any], dialect: Dialect, names: Sequence[str] | None = None
    ) -> None:
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        self.order: tuple[str, ...] = tuple(compiled.positiontup or ())
        self.constants = {k: v for k, v in compiled.params.items() if v is not None}
        self.binders: dict[str, Any] = dict(compiled._bind_processors)  # datetimes on SQLite
        selected = list(stmt.selected_columns.keys())
        present = set(selected)
        absent = [n for n in names or () if n not in present]
        self.tail: tuple[None, ...] = (None,) * len(absent)
        self.row: Any = namedtuple("HotRow", selected + absent, rename=True)  # type: ignore[misc]  # dynamic fields
        self.processors = [
            (i, processor)
            for i, col in enumerate(stmt.selected_columns)
            if (processor := _result_processor(col.type, dialect)) is not None
        ]

    def arguments(self, params: dict[str, Any], is_sqlite: bool) -> list[Any]:
        values: list[Any] = []
        for name in self.order:
            value = params[name] if name in params else self.constants.get(name)
            if is_sqlite and isinstance(value, (list, tuple)):
                value = orjson.dumps(list(value)).decode()
            elif value is not None and name in self.binders:
                value = self.binders[name](value)
            values.append(value)
        return values

    def rows(self, records: Sequence[Any]) -> list[Any]:
        make, tail = self.row._make, self.tail
        if not self.processors:
            if tail:
                return [make(tuple(r) + tail) for r in records]
            return [make(r) for r in records]
        out = []
        for record in records:
            values = list(record)
            for i, process in self.processors:
                values[i] = process(values[i])
            if tail:
                values.extend(tail)
            out.append(make(values))
        return out


def _result_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).result_processor(
        dialect, None
    )
    if processor is None or dialect.name != "sqlite" or not isinstance(type_, DateTime):
        return processor
    parse = processor

    def utc_from_text(value: str | None) -> datetime | None:
        # SQLite keeps UTC instants as naive text: read them as aware UTC values at once (what
        # ``as_utc`` makes of them later, at a seventh of its cost, and only once per value).
        # The same few instants come back request after request (the newest articles'): a
        # value read before is looked up, not parsed again (datetimes are immutable).
        if value is None:
            return None
        found = _INSTANTS.get(value)
        if found is not None:
            return found
        try:
            found = datetime.fromisoformat(value + "+00:00")
        except ValueError:  # text SQLAlchemy did not write (with an offset): its parser
            parsed: datetime | None = parse(value)
            return as_utc(parsed)
        if len(_INSTANTS) >= INSTANTS_KEPT:
            _INSTANTS.clear()  # bounded: start over rather than track recency per read
        _INSTANTS[value] = found
        return found

    return utc_from_text


# Instants read from SQLite text, by their text (``utc_from_text``).
INSTANTS_KEPT = 8192
_INSTANTS: dict[str, datetime] = {}


class HotStatement:
    """A statement built by ``builder(is_sqlite)``; compiled on first use per database."""

    def __init__(self, name: str, builder: Builder, shape: Builder | None = None) -> None:
        """``shape``: the statement whose columns the rows have, when ``builder`` selects only
        some of them (the others are None)."""
        self.name = name
        self.builder = builder
        self.shape = shape
        # By the id of the dialect, kept with it: the dialect stays alive, so its id is never
        # that of another (an id alone is reused once its object is freed, and a test process
        # builds engines on both databases: SQLite was handed PostgreSQL's SQL).
        self._compiled: dict[int, tuple[Dialect, _Compiled]] = {}

    def compiled(self, db: Database) -> _Compiled:
        dialect = db.engine.dialect
        found = self._compiled.get(id(dialect))
        if found is not None and found[0] is dialect:
            return found[1]
        names = None
        if self.shape is not None:
            names = list(self.shape(db.is_sqlite).selected_columns.keys())
        compiled = _Compiled(self.builder(db.is_sqlite), dialect, names)
        self._compiled[id(dialect)] = (dialect, compiled)
        return compiled

    async def all(self, db: Database, **params: Any) -> list[Any]:
        compiled = self.compiled(db)
        arguments = compiled.arguments(params, db.is_sqlite)
        if db.sqlite_reader is not None:
            # On the loop's own thread, start to end: nothing to queue for at the read gate.
            records = _fetch_inline(db, db.sqlite_reader, compiled.sql, arguments)
            if records is not None:
                return compiled.rows(records)
        async with db.reading():
            return await self._pooled(db, compiled, arguments)

    async def _pooled(self, db: Database, compiled: _Compiled, arguments: list[Any]) -> list[Any]:
        # The pooled DBAPI connection itself: a SQLAlchemy Connection around it (construction,
        # connection events, transaction bookkeeping) costs more than the statement's own
        # Python work and gives a single SELECT nothing. Checkout (pre-ping) and the reset on
        # return are the pool's, as for every connection.
        try:
            raw = await db.engine.raw_connection()
        except Exception:
            # No connection (the database is down, the pool is exhausted): SQLAlchemy's own
            # path retries and raises its usual errors, which the endpoint maps to 503s.
            records = await _through_sqlalchemy(db, compiled.sql, arguments)
            return compiled.rows(records)
        try:
            records = await _fetch(db, raw, compiled.sql, arguments)
        finally:
            await greenlet_spawn(raw.close)
        return compiled.rows(records)


def _fetch_inline(db: Database, reader: SqliteReader, sql: str, arguments: list[Any]) -> Any:
    """The statement on the loop's own SQLite connection (``resolvers.sqlite_reader``); None
    when it has to run on a pooled connection instead (its events then fire for that run too:
    the statement was attempted twice)."""
    events = db.engine.sync_engine.dispatch
    events.before_cursor_execute(reader, None, sql, arguments, None, False)
    try:
        return reader.fetch(sql, arguments)
    finally:
        events.after_cursor_execute(reader, None, sql, arguments, None, False)


async def _through_sqlalchemy(db: Database, sql: str, arguments: list[Any]) -> list[Any]:
    async with db.reader.connect() as conn:
        result = await conn.exec_driver_sql(sql, tuple(arguments))
        return [tuple(r) for r in result.all()]


async def _fetch(db: Database, raw: Any, sql: str, arguments: list[Any]) -> Any:
    driver: Any = raw.driver_connection
    # The engine's statement events fire as for any statement (with the pooled connection,
    # whose ``info`` is the one a Connection shows): the request's SQL statistics, tracing
    # spans and statement listeners see hot statements too.
    events = db.engine.sync_engine.dispatch
    events.before_cursor_execute(raw, None, sql, arguments, None, False)
    try:
        if db.is_sqlite:
            # One hand-off to aiosqlite's thread (execute, fetch and close in one).
            return await driver.execute_fetchall(sql, arguments)
        return await driver.fetch(sql, *arguments)
    except Exception as exc:
        if getattr(exc, "sqlstate", None) is not None:
            raise  # the database refused the statement (e.g. a timeout): as is
        # The connection may be broken: drop it, and run the statement once more through
        # SQLAlchemy, whose disconnect handling invalidates the pool and raises its usual
        # errors (or answers, when the failure was transient).
        await greenlet_spawn(raw.invalidate, exc)
        return await _through_sqlalchemy(db, sql, arguments)
    finally:
        events.after_cursor_execute(raw, None, sql, arguments, None, False)
