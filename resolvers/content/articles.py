"""Article reads: the public listing with filters, search and keyset pages, and single lookups."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    select,
)
from sqlalchemy.sql.elements import Label

from resolvers.access import ANONYMOUS, Viewer, article_visible
from resolvers.cache_tags import TagCollector
from resolvers.content.directory import AUTHOR_COLUMNS
from resolvers.db import Database
from resolvers.errors import UserInputError
from resolvers.models import ARTICLE_LINKS, article_t, author_t, seo_meta_t
from resolvers.pagination import Page, PageArgs, SortKey, build_page, encode_cursor
from resolvers.search.gate import SearchGate
from resolvers.search.models import search_document_t
from resolvers.search.searching import (
    AnalysedSearch,
    Hit,
    SearchHits,
    analyse_search,
    relevance_window,
    run_search,
)

a = article_t

# Every article column but the body (list queries never read the large column) and the
# title's collation key (only sorting uses it).
ARTICLE_COLUMNS = [c for c in a.c if c.name not in ("body", "title_sort")]

ORDER_COLUMNS = {
    "PUBLISHED_AT": (a.c.published_at, datetime),
    "UPDATED_AT": (a.c.updated_at, datetime),
    # Locale-correct order (a collation key kept beside the title), the same on both backends.
    "TITLE": (a.c.title_sort, str),
}


# Optional extras a root query reads in the same statement when the client selected them,
# saving a round trip each: the body, the SEO overrides (LEFT JOIN, prefixed `seo_`) and the
# primary author (the first in byline order; LEFT JOIN, prefixed `author_`).
SEO_COLUMNS = [c.label(f"seo_{c.name}") for c in seo_meta_t.c]
PRIMARY_AUTHOR = author_t.alias("primary_author")
PRIMARY_AUTHOR_COLUMNS = [
    PRIMARY_AUTHOR.c[c.name].label(f"author_{c.name}") for c in AUTHOR_COLUMNS
]


def primary_author_id() -> Any:
    """Correlated scalar subquery: the id of the article's first author (byline order, the
    order ``hot_reads.linked`` reads an article's authors in)."""
    link = ARTICLE_LINKS["author"]
    return (
        select(link.parent_id)
        .where(link.table.c.article_id == a.c.id)
        .order_by(link.table.c.position, link.parent_id)
        .limit(1)
        .correlate(a)
        .scalar_subquery()
    )


# Slim rows (``schema.content.slim``): the columns that the fields a slim document may select
# read, with what the visibility rule, cache tags and cursors read (status and the dates). The
# slim statements select only these; their rows have the other columns too, as None
# (``HotStatement``'s ``shape``).
SLIM_ARTICLE = frozenset(
    {"id", "slug", "locale", "title", "excerpt", "status", "published_at", "unpublish_at"}
    | {"deleted_at", "reading_time_minutes"}
)
SLIM_SEO = frozenset(
    {"id", "entity_type", "entity_id", "meta_title", "meta_description", "canonical_url"}
    | {"robots_index", "robots_follow", "robots_extra"}
)
SLIM_AUTHOR = frozenset(
    {"id", "slug", "name", "avatar_url", "avatar_alt", "avatar_width", "avatar_height"}
    | {"avatar_asset_id"}
)
SLIM_TERM = frozenset({"id", "slug", "name"})  # categories and tags


def slim_columns(columns: Sequence[Any], keep: frozenset[str]) -> list[Any]:
    """The ``columns`` whose table column is in ``keep``."""
    return [c for c in columns if (c.element if isinstance(c, Label) else c).name in keep]


SLIM_ARTICLE_COLUMNS = slim_columns(ARTICLE_COLUMNS, SLIM_ARTICLE)
SLIM_SEO_COLUMNS = slim_columns(SEO_COLUMNS, SLIM_SEO)
SLIM_PRIMARY_AUTHOR_COLUMNS = slim_columns(PRIMARY_AUTHOR_COLUMNS, SLIM_AUTHOR)


def with_extras(stmt: Select[Any], extras: frozenset[str], *, slim: bool = False) -> Select[Any]:
    """``stmt`` (an article select) with the columns and joins of ``extras``; ``slim``: only
    the joined tables' slim columns."""
    if "body" in extras:
        stmt = stmt.add_columns(a.c.body)
    if "seo" in extras:
        stmt = stmt.add_columns(*(SLIM_SEO_COLUMNS if slim else SEO_COLUMNS)).outerjoin(
            seo_meta_t,
            and_(seo_meta_t.c.entity_type == "article", seo_meta_t.c.entity_id == a.c.id),
        )
        if "body" not in extras:
            # The description falls back to the body's text only without a meta description
            # and an excerpt: read the body for just those rows.
            needs_body = and_(
                func.coalesce(a.c.excerpt, "") == "",
                func.coalesce(seo_meta_t.c.meta_description, "") == "",
            )
            stmt = stmt.add_columns(case((needs_body, a.c.body)).label("fallback_body"))
    if "author" in extras:
        authors = SLIM_PRIMARY_AUTHOR_COLUMNS if slim else PRIMARY_AUTHOR_COLUMNS
        stmt = stmt.add_columns(*authors).join_from(
            a, PRIMARY_AUTHOR, PRIMARY_AUTHOR.c.id == primary_author_id(), isouter=True
        )
    return stmt


SEO_NAMES = tuple(c.name for c in seo_meta_t.c)
AUTHOR_NAMES = tuple(c.name for c in AUTHOR_COLUMNS)
_JOINED: dict[tuple[Any, ...], tuple[Callable[[Any], Any], Any]] = {}


def all_have(rows: Sequence[Any], column: str) -> bool:
    """Whether every row has ``column`` (the rows of one statement share their tuple of
    names: it is searched once, not once per row)."""
    checked: tuple[str, ...] | None = None
    for row in rows:
        if row._fields is not checked:
            if column not in row._fields:
                return False
            checked = row._fields
    return True


def joined(row: Any, prefix: str, names: tuple[str, ...]) -> Any:
    """The row joined to an article row by ``with_extras``: its ``<prefix><column>`` values
    as a row of their own, with the column names (how to cut it out is found once per row
    shape)."""
    kind = type(row)
    # A named tuple's fields are its class's (the hot statements' rows): the class is the
    # shape. Other rows (SQLAlchemy's) share one class: their field names tell the shape.
    key = (kind, prefix) if "_make" in kind.__dict__ else (kind, row._fields, prefix)
    found = _JOINED.get(key)
    if found is None:
        positions = [row._fields.index(prefix + name) for name in names]
        make: Any = namedtuple("Joined", names)  # type: ignore[misc]  # fields known at run time
        found = _JOINED[key] = (itemgetter(*positions), make._make)
    cut, build = found
    return build(cut(row))


def seo_meta_of(row: Any) -> Any | None:
    """The SEO override row joined by ``with_extras`` (None when the article has none)."""
    return None if row.seo_id is None else joined(row, "seo_", SEO_NAMES)


def primary_author_of(row: Any) -> Any | None:
    """The primary author row joined by ``with_extras`` (None: the article has no author)."""
    return None if row.author_id is None else joined(row, "author_", AUTHOR_NAMES)


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    author_slug: str | None = None
    category_slug: str | None = None
    tag_slug: str | None = None
    published_after: datetime | None = None
    published_before: datetime | None = None
    search: str | None = None
    locale: str | None = None


def sort_key(field: str | None, descending: bool | None, viewer: Viewer = ANONYMOUS) -> SortKey:
    """The sort of an article list. Anonymous viewers see only published rows, whose
    ``published_at`` is set, and sort on the indexed column; viewers who may see drafts sort on
    ``coalesce(published_at, created_at)`` so drafts page like any other row."""
    column: Any
    column, kind = ORDER_COLUMNS[field or "PUBLISHED_AT"]
    if (field or "PUBLISHED_AT") == "PUBLISHED_AT" and not viewer.is_anonymous_reader:
        column = func.coalesce(a.c.published_at, a.c.created_at)
    desc = (field in (None, "PUBLISHED_AT", "UPDATED_AT")) if descending is None else descending
    name = f"{field or 'PUBLISHED_AT'}:{'DESC' if desc else 'ASC'}"
    return SortKey(name=name, column=column, id_column=a.c.id, descending=desc, kind=kind)


def _conditions(
    viewer: Viewer, now: datetime, flt: ArticleFilter, table: Any = a
) -> list[ColumnElement[bool]]:
    """The filter on ``article`` (or on ``search_document``, which carries the same id,
    locale, status and publication time)."""
    conds: list[ColumnElement[bool]] = [article_visible(viewer, now, table)]
    if flt.locale is not None:
        conds.append(table.c.locale == flt.locale)
    for kind, slug in (
        ("author", flt.author_slug),
        ("category", flt.category_slug),
        ("tag", flt.tag_slug),
    ):
        if slug is not None:
            link = ARTICLE_LINKS[kind]
            conds.append(table.c.id.in_(link.article_ids(link.parent.c.slug == slug)))
    if flt.published_after is not None:
        conds.append(table.c.published_at > flt.published_after)
    if flt.published_before is not None:
        conds.append(table.c.published_at < flt.published_before)
    return conds


async def search_hits(
    db: Database, viewer: Viewer, now: datetime, flt: ArticleFilter, gate: SearchGate
) -> tuple[AnalysedSearch, SearchHits]:
    """The analysed search, and its ranked hits that pass the other filters (bounded by the
    gate's candidate limit): one statement, run under the process's search limit."""
    assert flt.search is not None
    analysed = await analyse_search(db, flt.search, flt.locale)
    conds = _conditions(viewer, now, flt, search_document_t)
    async with gate.slot():
        found = await run_search(db, analysed, conds, gate.candidates)
    return analysed, found


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
    hits: list[Hit] | None = None,
) -> tuple[Page, Callable[[], Awaitable[int]]]:
    """One page of visible articles, and a function that counts them all (run only if asked).
    With a search, the articles are its ranked candidates (``search_hits``, or ``hits`` when
    the caller has them already), ordered by relevance unless told otherwise."""
    conds = _conditions(viewer, now, flt)
    if flt.search is not None and hits is None:
        hits = (await search_hits(db, viewer, now, flt, gate or SearchGate()))[1].hits
    elif flt.search is None and order_field == "RELEVANCE":
        raise UserInputError("`orderBy: RELEVANCE` needs a `search`.")
    where = list(conds)
    if hits is not None and order_field in (None, "RELEVANCE"):
        # The cursor window is cut from the hits in Python; SQL only fetches those rows.
        window = relevance_window(hits, args)
        score: Any = case({h.id: h.score for h in window}, value=a.c.id) if window else literal(0.0)
        key = SortKey("RELEVANCE", score, a.c.id, descending=True, kind=float)
        where.append(a.c.id.in_([h.id for h in window]))
    else:
        key = sort_key(order_field, descending, viewer)
        if hits is not None:
            conds.append(a.c.id.in_([h.id for h in hits]))
            where = list(conds)
        seek = key.seek(args)
        if seek is not None:
            where.append(seek)
    stmt = with_extras(select(*ARTICLE_COLUMNS, key.column.label("sort_value")), extras)
    stmt = stmt.where(*where).order_by(*key.order_by(args.backward)).limit(args.size + 1)
    if args.offset and not (hits is not None and order_field in (None, "RELEVANCE")):
        stmt = stmt.offset(args.offset)  # bounded by page_number_args
    rows: Any = []
    if args.size > 0 or args.cursor is not None:
        rows = await db.all(stmt)
    page = build_page(rows, args, lambda r: encode_cursor(key.name, r.sort_value, r.id))
    if tags is not None:
        tags.listing("article")
        tags.articles(page.rows, now)
        if flt.search is not None:
            tags.listing("search")  # matched on linked names too: their writes purge it

    async def count() -> int:
        if hits is not None:
            return len(hits)
        return int(await db.scalar(select(func.count()).select_from(a).where(*conds)))

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
) -> Any | None:
    """A visible article by id or slug; without a locale the default locale's article wins."""
    stmt = with_extras(select(*ARTICLE_COLUMNS), extras).where(article_visible(viewer, now))
    if article_id is not None:
        stmt = stmt.where(a.c.id == article_id)
    if slug is not None:
        stmt = stmt.where(a.c.slug == slug)
    if locale is not None:
        stmt = stmt.where(a.c.locale == locale)
    else:
        stmt = stmt.order_by(case((a.c.locale == default_locale, 0), else_=1), a.c.id)
    row = await db.one_or_none(stmt.limit(1))
    if tags is not None:
        if row is not None:
            tags.articles([row], now)
        else:
            tags.missing("article", slug=slug, entity_id=article_id)
    return row
