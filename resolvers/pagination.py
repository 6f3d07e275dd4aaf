"""Keyset (seek) pagination: argument checks, opaque cursors and page assembly.

A cursor is base64url(JSON [order, sort value, id]); it is only valid for the order that made it.
Pages are fetched with one extra row to learn whether another page follows; rows are compared as
``(sort value, id)`` tuples so ties on the sort value never duplicate or skip rows.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, tuple_

from resolvers.db import Database, as_utc
from resolvers.errors import UserInputError


@dataclass(frozen=True, slots=True)
class PageArgs:
    """Validated Relay pagination arguments: exactly one direction, a bounded size."""

    size: int
    cursor: str | None
    backward: bool
    offset: int = 0  # page-number pagination: rows skipped before this page


def page_number_args(page: int, per_page: int, *, maximum: int, max_offset: int) -> PageArgs:
    """Page ``page`` (from 1) of ``per_page`` rows; deep pages are refused, not scanned."""
    if page < 1:
        raise UserInputError(f"`page` starts at 1 (got {page}).")
    if not 1 <= per_page <= maximum:
        raise UserInputError(f"`perPage` must be between 1 and {maximum} (got {per_page}).")
    offset = (page - 1) * per_page
    if offset > max_offset:
        raise UserInputError(
            f"`page` {page} starts after row {max_offset}, the deepest page number served; "
            "page through with cursors (`after`) instead."
        )
    return PageArgs(size=per_page, cursor=None, backward=False, offset=offset)


def page_args(
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    *,
    default: int,
    maximum: int,
) -> PageArgs:
    """``first`` has a schema default, so it is ignored once ``last`` or ``before`` asks for a
    backward page (as Relay's connection spec discourages sending both)."""
    if after is not None and before is not None:
        raise UserInputError("Pass either `after` or `before`, not both.")
    for name, value in (("first", first), ("last", last)):
        if value is not None and value < 0:
            raise UserInputError(f"`{name}` must not be negative (got {value}).")
        if value is not None and value > maximum:
            raise UserInputError(
                f"`{name}` must be at most {maximum} (got {value}); page through with cursors."
            )
    if last is not None or before is not None:
        return PageArgs(size=default if last is None else last, cursor=before, backward=True)
    return PageArgs(size=default if first is None else first, cursor=after, backward=False)


def encode_cursor(order: str, value: Any, row_id: int) -> str:
    if isinstance(value, datetime):
        value = as_utc(value).isoformat()
    raw = orjson.dumps([order, value, row_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: str, kind: type) -> tuple[Any, int]:
    """Return (sort value, id) of a cursor made for ``order``; anything else is a clear error."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, value, row_id = orjson.loads(raw)
        if name != order or not isinstance(row_id, int):
            raise ValueError
        if kind is datetime:
            value = as_utc(datetime.fromisoformat(value))
        elif kind is float:
            value = float(value)
        elif not isinstance(value, kind) or (isinstance(value, str) and "\x00" in value):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise UserInputError(
            f"Invalid cursor {cursor[:40]!r}: use a cursor from this connection and order."
        ) from None
    return value, row_id


@dataclass(frozen=True, slots=True)
class SortKey:
    """How a connection is ordered: a named sort value plus the id tie-breaker."""

    name: str
    column: ColumnElement[Any]
    id_column: ColumnElement[Any]
    descending: bool
    kind: type

    def order_by(self, backward: bool) -> list[ColumnElement[Any]]:
        desc = self.descending != backward
        cols = [self.column, self.id_column]
        return [c.desc() if desc else c.asc() for c in cols]

    def seek(self, args: PageArgs) -> ColumnElement[bool] | None:
        if args.cursor is None:
            return None
        value, row_id = decode_cursor(args.cursor, self.name, self.kind)
        key = tuple_(self.column, self.id_column)
        if self.descending != args.backward:
            return key < tuple_(value, row_id)
        return key > tuple_(value, row_id)


class Page:
    """One page of rows plus what Relay's PageInfo needs. The cursors are encoded on first
    use: a page whose response selects only ``nodes`` never encodes one."""

    __slots__ = ("_cursor_of", "_cursors", "has_next_page", "has_previous_page", "rows")

    def __init__(
        self,
        rows: list[Any],
        has_next_page: bool,
        has_previous_page: bool,
        *,
        cursors: list[str] | None = None,
        cursor_of: Callable[[Any], str] | None = None,
    ) -> None:
        if (cursors is None) == (cursor_of is None):
            raise TypeError("Page needs either its cursors or how to make them")
        self.rows = rows
        self.has_next_page = has_next_page
        self.has_previous_page = has_previous_page
        self._cursors = cursors
        self._cursor_of = cursor_of

    @property
    def cursors(self) -> list[str]:
        if self._cursors is None:
            assert self._cursor_of is not None
            self._cursors = [self._cursor_of(r) for r in self.rows]
        return self._cursors

    def cursor_at(self, index: int) -> str | None:
        """The cursor of row ``index`` (negative from the end); None on an empty page."""
        if not self.rows:
            return None
        if self._cursors is not None or self._cursor_of is None:
            return self.cursors[index]
        return self._cursor_of(self.rows[index])

    def with_rows(self, rows: list[Any]) -> Page:
        """The same page (cursors, flags) showing ``rows``: the same rows, in the same order,
        as another form (e.g. translated). The cursors stay those of the original rows."""
        return Page(rows, self.has_next_page, self.has_previous_page, cursors=self.cursors)


def build_page(
    rows: Sequence[Any],
    args: PageArgs,
    cursor_of: Callable[[Any], str],
) -> Page:
    """Trim the probe row and restore display order for backward pages."""
    items = list(rows)
    more = len(items) > args.size
    items = items[: args.size]
    if args.backward:
        items.reverse()
        has_next, has_prev = args.cursor is not None, more
    else:
        has_next, has_prev = more, args.cursor is not None or args.offset > 0
    return Page(rows=items, has_next_page=has_next, has_previous_page=has_prev, cursor_of=cursor_of)


async def keyset_page(
    db: Database, stmt: Any, key: SortKey, args: PageArgs, value_of: Callable[[Any], Any]
) -> Page:
    """Run ``stmt`` as one keyset page: seek past the cursor on ``key``, order, fetch one probe
    row more than the page size. ``value_of(row)`` is the row's sort value for its cursor."""
    seek = key.seek(args)
    if seek is not None:
        stmt = stmt.where(seek)
    stmt = stmt.order_by(*key.order_by(args.backward)).limit(args.size + 1)
    rows = await db.all(stmt) if args.size > 0 or seek is not None else []
    return build_page(rows, args, lambda r: encode_cursor(key.name, value_of(r), r.id))
