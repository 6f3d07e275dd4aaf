"""Hot statements: built once with SQLAlchemy Core, compiled once per dialect to SQL text with
a fixed parameter order, and run on the driver connection (asyncpg, whose statement cache
prepares each text once per connection; the sqlite3 connection under aiosqlite).

SQLAlchemy stays the builder (so the statements share the models, the visibility rule and the
column lists with the rest of the code) but not the executor: per execution there is no
statement construction, cache-key computation, expanding-IN post-compilation or Row object.
Id lists are one parameter: ``= ANY($1)`` on PostgreSQL, ``IN (SELECT value FROM json_each(?))``
on SQLite (see ``id_in``). Rows come back as plain named tuples with the attributes the rest of
the code reads (``row.slug``), with SQLAlchemy's result processing (SQLite datetimes).

The engine's statement events fire around each execution, so the request's SQL statistics,
tracing and statement listeners see hot statements like every other.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Integer, any_, bindparam, column, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ColumnElement, Select

from resolvers.db import Database

Builder = Callable[[bool], Select[Any]]  # is_sqlite -> the statement


def id_in(column_: Any, name: str, is_sqlite: bool) -> ColumnElement[bool]:
    """``column IN <the list parameter name>`` as one parameter, whatever the list's length."""
    if is_sqlite:
        values: Any = select(column("value")).select_from(func.json_each(bindparam(name)))
        return column_.in_(values)  # type: ignore[no-any-return]  # SQLAlchemy column typed Any here
    return column_ == any_(bindparam(name, type_=ARRAY(Integer)))  # type: ignore[no-any-return]  # Any column


class _Compiled:
    """One statement's SQL text for one dialect, its parameter order and row shape."""

    __slots__ = ("binders", "constants", "order", "processors", "row", "sql")

    def __init__(self, stmt: Select[Any], dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        self.order: tuple[str, ...] = tuple(compiled.positiontup or ())
        self.constants = {k: v for k, v in compiled.params.items() if v is not None}
        self.binders: dict[str, Any] = dict(compiled._bind_processors)  # datetimes on SQLite
        names = list(stmt.selected_columns.keys())
        self.row: Any = namedtuple("HotRow", names, rename=True)  # type: ignore[misc]  # dynamic fields
        self.processors = [
            (i, processor)
            for i, col in enumerate(stmt.selected_columns)
            if (processor := col.type.dialect_impl(dialect).result_processor(dialect, None))
            is not None
        ]

    def arguments(self, params: dict[str, Any], is_sqlite: bool) -> list[Any]:
        values: list[Any] = []
        for name in self.order:
            value = params[name] if name in params else self.constants.get(name)
            if is_sqlite and isinstance(value, (list, tuple)):
                value = json.dumps(list(value))
            elif value is not None and name in self.binders:
                value = self.binders[name](value)
            values.append(value)
        return values

    def rows(self, records: Sequence[Any]) -> list[Any]:
        make = self.row._make
        if not self.processors:
            return [make(r) for r in records]
        out = []
        for record in records:
            values = list(record)
            for i, process in self.processors:
                values[i] = process(values[i])
            out.append(make(values))
        return out


class HotStatement:
    """A statement built by ``builder(is_sqlite)``; compiled on first use per database."""

    def __init__(self, name: str, builder: Builder) -> None:
        self.name = name
        self.builder = builder
        self._compiled: dict[int, _Compiled] = {}

    def compiled(self, db: Database) -> _Compiled:
        key = id(db.engine.dialect)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _Compiled(self.builder(db.is_sqlite), db.engine.dialect)
        return found

    async def all(self, db: Database, **params: Any) -> list[Any]:
        compiled = self.compiled(db)
        arguments = compiled.arguments(params, db.is_sqlite)
        async with db.reader.connect() as conn:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            # The engine's statement events fire as for any statement: the request's SQL
            # statistics, tracing spans and statement listeners see hot statements too.
            sync = conn.sync_connection
            assert sync is not None
            events = sync.dispatch
            events.before_cursor_execute(sync, None, compiled.sql, arguments, None, False)
            try:
                if db.is_sqlite:
                    # One hand-off to aiosqlite's thread (execute, fetch and close in one).
                    records = await driver.execute_fetchall(compiled.sql, arguments)
                else:
                    records = await driver.fetch(compiled.sql, *arguments)
            except Exception as exc:
                if getattr(exc, "sqlstate", None) is not None:
                    raise  # the database refused the statement (e.g. a timeout): as is
                # The connection may be broken: run the statement once more through
                # SQLAlchemy, whose disconnect handling invalidates the pool and raises its
                # usual errors (or answers, when the failure was transient).
                result = await conn.exec_driver_sql(compiled.sql, tuple(arguments))
                records = [tuple(r) for r in result.all()]
            finally:
                events.after_cursor_execute(sync, None, compiled.sql, arguments, None, False)
        return compiled.rows(records)
