"""Reads of authors, categories and tags: lookups by slug and name-ordered keyset pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Table, func, select

from resolvers.cache_tags import TagCollector
from resolvers.db import Database
from resolvers.models import author_t, category_t, tag_t
from resolvers.pagination import Page, PageArgs, SortKey, keyset_page

# The author's e-mail is private: it is not read on public paths at all.
AUTHOR_COLUMNS = [c for c in author_t.c if c.name != "email"]

TABLES: dict[str, tuple[Table, list[Any]]] = {
    "author": (author_t, AUTHOR_COLUMNS),
    "category": (category_t, list(category_t.c)),
    "tag": (tag_t, list(tag_t.c)),
}


def _record(tags: TagCollector | None, kind: str, row: Any | None, **lookup: Any) -> None:
    if tags is None:
        return
    if row is not None:
        tags.entity(kind, row.id)
    else:
        tags.missing(kind, **lookup)


async def get_by_slug(
    db: Database, kind: str, slug: str, tags: TagCollector | None = None
) -> Any | None:
    table, columns = TABLES[kind]
    row = await db.one_or_none(select(*columns).where(table.c.slug == slug))
    _record(tags, kind, row, slug=slug)
    return row


async def get_by_id(
    db: Database, kind: str, row_id: int, tags: TagCollector | None = None
) -> Any | None:
    table, columns = TABLES[kind]
    row = await db.one_or_none(select(*columns).where(table.c.id == row_id))
    _record(tags, kind, row, entity_id=row_id)
    return row


async def list_by_name(
    db: Database, kind: str, args: PageArgs, tags: TagCollector | None = None
) -> tuple[Page, Callable[[], Awaitable[int]]]:
    table, columns = TABLES[kind]
    key = SortKey("NAME:ASC", table.c.name, table.c.id, descending=False, kind=str)
    page = await keyset_page(db, select(*columns), key, args, lambda r: r.name)
    if tags is not None:
        tags.listing(kind)
        tags.entities(kind, page.rows)

    async def count() -> int:
        return int(await db.scalar(select(func.count()).select_from(table)))

    return page, count
