"""Reads of authors, categories and tags: lookups by slug and name-ordered keyset pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Table, and_, func, select

from resolvers.cache_tags import TagCollector
from resolvers.content.locales.translation_models import TRANSLATION_TABLES
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
    db: Database,
    kind: str,
    args: PageArgs,
    tags: TagCollector | None = None,
    locale: str | None = None,
) -> tuple[Page, Callable[[], Awaitable[int]]]:
    """A page of ``kind`` in name order: the name's collation key, the same order on both
    backends. With ``locale`` (not the default one): the name in that locale, the translated
    one where there is a translation, else the entity's own (its fallback there). Rows are the
    base rows; the caller lays the translations over them."""
    table, columns = TABLES[kind]
    stmt = select(*columns)
    if locale is None:
        key = SortKey("NAME:ASC", table.c.name_sort, table.c.id, descending=False, kind=str)
        page = await keyset_page(db, stmt, key, args, lambda r: r.name_sort)
    else:
        tr = TRANSLATION_TABLES[kind]
        sort = func.coalesce(tr.c.name_sort, table.c.name_sort)
        stmt = select(*columns, sort.label("locale_name_sort")).select_from(
            table.outerjoin(tr, and_(tr.c.entity_id == table.c.id, tr.c.locale == locale))
        )
        # The locale is in the order's name: a cursor of another locale's order is refused.
        key = SortKey(f"NAME:ASC:{locale}", sort, table.c.id, descending=False, kind=str)
        page = await keyset_page(db, stmt, key, args, lambda r: r.locale_name_sort)
    if tags is not None:
        tags.listing(kind)
        tags.entities(kind, page.rows)

    async def count() -> int:
        return int(await db.scalar(select(func.count()).select_from(table)))

    return page, count
