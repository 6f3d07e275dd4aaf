"""The hot article reads on the lean path (``resolvers.hot.driver``): the first page of the
newest articles, an article by slug, and the authors/categories/tags of a batch of articles.

Each function serves the common shape of its read (no filter, default order, first page; a
public or an editor viewer) with a statement compiled once, and hands every other shape to the
general code in ``resolvers.content.articles`` / the loaders, which remains the reference: the
rows, pages and cache tags are the same either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from functools import partial
from itertools import combinations
from typing import Any, cast

from sqlalchemy import Select, bindparam, case, func, literal, null, select, union_all

from resolvers.access import ANONYMOUS, Viewer, article_visible
from resolvers.cache_tags import TagCollector
from resolvers.content import articles as general
from resolvers.content.articles import (
    ARTICLE_COLUMNS,
    SLIM_ARTICLE_COLUMNS,
    SLIM_AUTHOR,
    SLIM_TERM,
    ArticleFilter,
    slim_columns,
    sort_key,
    with_extras,
)
from resolvers.content.directory import TABLES
from resolvers.db import Database
from resolvers.hot.driver import Builder, HotStatement, id_in
from resolvers.models import ARTICLE_LINKS, article_t
from resolvers.pagination import Page, PageArgs, build_page, encode_cursor
from resolvers.search.gate import SearchGate

a = article_t
# Every combination of the extras a root query may read with its rows (``with_extras``).
EXTRAS: tuple[frozenset[str], ...] = tuple(
    frozenset(c) for n in range(4) for c in combinations(("body", "seo", "author"), n)
)
NO_FILTER = ArticleFilter()
EDITOR = Viewer(role="editor")


def _visible(public: bool) -> Any:
    """The viewer's visibility rule with ``now`` as a parameter: public rows, or all rows."""
    now: Any = bindparam("now")
    return article_visible(ANONYMOUS if public else EDITOR, now)


def _audience(viewer: Viewer) -> bool | None:
    """True: public rows only; False: every row (editors); None: another rule applies."""
    if viewer.is_anonymous_reader:
        return True
    if viewer.sees_unpublished and viewer.preview_article_id is None:
        return False
    return None


def _article_columns(slim: bool) -> list[Any]:
    return SLIM_ARTICLE_COLUMNS if slim else ARTICLE_COLUMNS


def _newest_builder(
    extras: frozenset[str], public: bool, slim: bool
) -> Callable[[bool], Select[Any]]:
    def build(_is_sqlite: bool) -> Select[Any]:
        key = sort_key(None, None, ANONYMOUS if public else EDITOR)
        stmt = select(*_article_columns(slim), key.column.label("sort_value"))
        stmt = with_extras(stmt, extras, slim=slim).where(_visible(public))
        limited: Any = stmt.order_by(*key.order_by(False)).limit(bindparam("limit"))
        return cast("Select[Any]", limited)

    return build


def _by_slug_builder(
    extras: frozenset[str], public: bool, slim: bool
) -> Callable[[bool], Select[Any]]:
    def build(_is_sqlite: bool) -> Select[Any]:
        stmt = select(*_article_columns(slim))
        stmt = with_extras(stmt, extras, slim=slim).where(_visible(public))
        stmt = stmt.where(a.c.slug == bindparam("slug"))
        first = case((a.c.locale == bindparam("default_locale"), 0), else_=1)
        return stmt.order_by(first, a.c.id).limit(1)

    return build


def _full_and_slim(name: str, builder: Callable[[bool], Builder]) -> dict[bool, HotStatement]:
    """The statement ``builder(False)`` builds and its slim form (``builder(True)``; by
    ``slim``), whose rows have the full statement's columns (``schema.content.slim``)."""
    full = builder(False)
    return {
        False: HotStatement(name, full),
        True: HotStatement(f"{name}-slim", builder(True), shape=full),
    }


# By (extras, public rows only, slim rows).
NEWEST = {
    (extras, public, slim): statement
    for extras in EXTRAS
    for public in (True, False)
    for slim, statement in _full_and_slim(
        f"newest{sorted(extras)}{public}", partial(_newest_builder, extras, public)
    ).items()
}
BY_SLUG = {
    (extras, public, slim): statement
    for extras in EXTRAS
    for public in (True, False)
    for slim, statement in _full_and_slim(
        f"slug{sorted(extras)}{public}", partial(_by_slug_builder, extras, public)
    ).items()
}


async def list_articles(
    db: Database,
    viewer: Viewer,
    now: datetime,
    flt: ArticleFilter,
    order_field: str | None,
    descending: bool | None,
    args: PageArgs,
    extras: frozenset[str] = frozenset(),
    tags: TagCollector | None = None,
    gate: SearchGate | None = None,
    *,
    slim: bool = False,
) -> tuple[Page, Callable[[], Awaitable[int]]]:
    """``articles.list_articles``; the first page in the default order on the lean path
    (``slim``: with slim rows, ``schema.content.slim``)."""
    public = _audience(viewer)
    plain = flt == NO_FILTER and order_field is None and descending is None
    first = args.cursor is None and not args.backward and args.offset == 0 and args.size >= 1
    if public is None or not plain or not first:
        return await general.list_articles(
            db, viewer, now, flt, order_field, descending, args, extras, tags, gate
        )
    key = sort_key(None, None, viewer)
    rows = await NEWEST[(extras, public, slim)].all(db, now=now, limit=args.size + 1)
    page = build_page(rows, args, lambda r: encode_cursor(key.name, r.sort_value, r.id))
    if tags is not None:
        tags.listing("article")
        tags.articles(page.rows, now)

    async def count() -> int:
        _, counter = await general.list_articles(
            db,
            viewer,
            now,
            flt,
            order_field,
            descending,
            PageArgs(0, None, False),
            frozenset(),
            None,
        )
        return await counter()

    return page, count


async def get_article(
    db: Database,
    viewer: Viewer,
    now: datetime,
    *,
    slug: str | None = None,
    article_id: int | None = None,
    locale: str | None = None,
    default_locale: str = "en",
    extras: frozenset[str] = frozenset(),
    tags: TagCollector | None = None,
    slim: bool = False,
) -> Any | None:
    """``articles.get_article``; by slug in the default locale on the lean path (``slim``:
    with slim rows, ``schema.content.slim``)."""
    public = _audience(viewer)
    if public is None or slug is None or article_id is not None or locale is not None:
        return await general.get_article(
            db, viewer, now, slug=slug, article_id=article_id, locale=locale,
            default_locale=default_locale, extras=extras, tags=tags,
        )  # fmt: skip
    rows = await BY_SLUG[(extras, public, slim)].all(
        db, now=now, slug=slug, default_locale=default_locale
    )
    row = rows[0] if rows else None
    if tags is not None:
        if row is not None:
            tags.articles([row], now)
        else:
            tags.missing("article", slug=slug, entity_id=None)
    return row


# What a route's article is read with: its SEO overrides (the page's <head>), in the same row.
SPELLING_EXTRAS = frozenset({"seo"})


def _by_spelling(visible: Any) -> Select[Any]:
    """The visible article whose slug is ``slug`` (as typed) or ``slugified`` (its speaking
    reading), in ``locale``: the spelling as typed wins."""
    typed: Any = bindparam("slug")
    stmt = with_extras(select(*ARTICLE_COLUMNS), SPELLING_EXTRAS).where(
        a.c.slug.in_([typed, bindparam("slugified")]),
        func.lower(a.c.locale) == bindparam("locale"),
        visible,
    )
    return stmt.order_by((a.c.slug == typed).desc(), a.c.id).limit(1)


def _by_spelling_builder(public: bool) -> Callable[[bool], Select[Any]]:
    return lambda _is_sqlite: _by_spelling(_visible(public))


BY_SPELLING = {
    public: HotStatement(f"spelling{public}", _by_spelling_builder(public))
    for public in (True, False)
}


async def article_by_spelling(
    db: Database, viewer: Viewer, now: datetime, typed: str, slugified: str, locale: str
) -> Any | None:
    """The article a path's slug segment names (``resolvers.seo.routing``), with the columns of
    ``SPELLING_EXTRAS``; on the lean path for a public or an editor viewer."""
    params = {"slug": typed, "slugified": slugified, "locale": locale}
    public = _audience(viewer)
    if public is None:
        return await db.one_or_none(_by_spelling(article_visible(viewer, now)).params(params))
    rows = await BY_SPELLING[public].all(db, now=now, **params)
    return rows[0] if rows else None


def _linked_select(kind: str, columns: list[Any], is_sqlite: bool) -> Select[Any]:
    link = ARTICLE_LINKS[kind]
    table = TABLES[kind][0]
    return (
        select(link.table.c.article_id.label("rel_article"), *columns)
        .select_from(table.join(link.table, link.parent_id == table.c.id))
        .where(id_in(link.table.c.article_id, "ids", is_sqlite))
        .order_by(link.table.c.article_id, link.table.c.position, table.c.id)
    )


def _linked_builder(kind: str) -> Callable[[bool], Select[Any]]:
    return lambda is_sqlite: _linked_select(kind, TABLES[kind][1], is_sqlite)


LINKED = {kind: HotStatement(f"linked-{kind}", _linked_builder(kind)) for kind in ARTICLE_LINKS}


def _all_links(is_sqlite: bool, one: bool = False, slim: bool = False) -> Select[Any]:
    """Authors, categories and tags of the articles in one statement: each branch fills the
    columns of its table and NULLs the others' (``rel_kind`` says which branch a row is).
    ``one``: of one article (parameter ``id``), an index seek per branch without a list to
    unpack (an article page). ``slim``: only the ``SLIM_AUTHOR`` / ``SLIM_TERM`` columns
    (slim rows, ``schema.content.slim``)."""

    def kept(kind: str) -> list[Any]:
        columns = TABLES[kind][1]
        if not slim:
            return list(columns)
        return slim_columns(columns, SLIM_AUTHOR if kind == "author" else SLIM_TERM)

    names: dict[str, Any] = {}
    for kind in ARTICLE_LINKS:
        for col in kept(kind):
            names.setdefault(col.name, col.type)
    branches = []
    for kind, link in ARTICLE_LINKS.items():
        table = TABLES[kind][0]
        own = {c.name: c for c in kept(kind)}
        cols = [own[n] if n in own else null().cast(t).label(n) for n, t in names.items()]
        branches.append(
            select(
                literal(kind).label("rel_kind"),
                link.table.c.article_id.label("rel_article"),
                link.table.c.position.label("rel_position"),
                *cols,
            )
            .select_from(table.join(link.table, link.parent_id == table.c.id))
            .where(
                link.table.c.article_id == bindparam("id")
                if one
                else id_in(link.table.c.article_id, "ids", is_sqlite)
            )
        )
    union = union_all(*branches).subquery()
    return select(union).order_by(
        union.c.rel_kind, union.c.rel_article, union.c.rel_position, union.c.id
    )


def _links_builder(one: bool, slim: bool) -> Builder:
    return lambda is_sqlite: _all_links(is_sqlite, one=one, slim=slim)


# By (of one article, slim rows).
LINKS = {
    (one, slim): statement
    for one in (False, True)
    for slim, statement in _full_and_slim(
        f"links{'-one' if one else ''}", partial(_links_builder, one)
    ).items()
}


async def linked(db: Database, kind: str, article_ids: Sequence[int]) -> list[Any]:
    """Rows of ``kind`` linked to the articles (``rel_article`` = the article), in order."""
    return await LINKED[kind].all(db, ids=list(article_ids))


async def all_links(db: Database, article_ids: Sequence[int], *, slim: bool = False) -> list[Any]:
    """Author, category and tag rows of the articles, each with ``rel_kind``/``rel_article``
    (``slim``: slim rows)."""
    if len(article_ids) == 1:
        return await LINKS[(True, slim)].all(db, id=article_ids[0])
    return await LINKS[(False, slim)].all(db, ids=list(article_ids))
