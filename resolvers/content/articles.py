"""Article reads: the public listing with filters, search and keyset pages, and single lookups."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    func,
    literal_column,
    select,
    text,
)

from resolvers.access import ANONYMOUS, Viewer, article_visible
from resolvers.cache_tags import TagCollector
from resolvers.db import Database
from resolvers.errors import UserInputError
from resolvers.models import (
    ARTICLE_LINKS,
    article_t,
    seo_meta_t,
)
from resolvers.pagination import Page, PageArgs, SortKey, keyset_page

a = article_t

# Every article column but the body: list queries never read the large column.
ARTICLE_COLUMNS = [c for c in a.c if c.name != "body"]

ORDER_COLUMNS = {
    "PUBLISHED_AT": (a.c.published_at, datetime),
    "UPDATED_AT": (a.c.updated_at, datetime),
    "TITLE": (a.c.title, str),
}

# The PostgreSQL search document; the same expression backs the GIN index in the migrations.
PG_SEARCH_VECTOR = (
    "to_tsvector('simple'::regconfig, article.title || ' ' || "
    "coalesce(article.excerpt, '') || ' ' || article.body)"
)
MAX_SEARCH_LENGTH = 200


# Optional extras a root query reads in the same statement when the client selected them,
# saving a round trip each: the body, and the SEO overrides (LEFT JOIN, prefixed `seo_`).
SEO_COLUMNS = [c.label(f"seo_{c.name}") for c in seo_meta_t.c]


def with_extras(stmt: Select[Any], extras: frozenset[str]) -> Select[Any]:
    if "body" in extras:
        stmt = stmt.add_columns(a.c.body)
    if "seo" in extras:
        stmt = stmt.add_columns(*SEO_COLUMNS).outerjoin(
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
    return stmt


def seo_meta_of(row: Any) -> Any | None:
    """The SEO override row joined by ``with_extras`` (None when the article has none)."""
    if row.seo_id is None:
        return None
    return SimpleNamespace(**{c.name: getattr(row, f"seo_{c.name}") for c in seo_meta_t.c})


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    author_slug: str | None = None
    category_slug: str | None = None
    tag_slug: str | None = None
    published_after: datetime | None = None
    published_before: datetime | None = None
    search: str | None = None


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


def _sqlite_match(query: str) -> str:
    """Quote every word so FTS5 operators typed by a user (", *, NEAR, AND) are plain text."""
    words = re.findall(r"\w+", query)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def search_subquery(db: Database, query: str) -> Any:
    """(id, score) of matching articles, higher score = more relevant."""
    if len(query) > MAX_SEARCH_LENGTH:
        raise UserInputError(f"`search` is at most {MAX_SEARCH_LENGTH} characters.")
    if db.is_sqlite:
        match = _sqlite_match(query)
        if not match:
            match = '""'  # matches nothing, like an empty search box should
        return (
            text(
                "SELECT rowid AS id, -bm25(article_fts) AS score "
                "FROM article_fts WHERE article_fts MATCH :match"
            )
            .bindparams(match=match)
            .columns(id=Integer, score=Float)
            .subquery("search")
        )
    vector: Any = literal_column(PG_SEARCH_VECTOR)
    tsquery = func.websearch_to_tsquery(literal_column("'simple'::regconfig"), query)
    return (
        select(a.c.id.label("id"), func.ts_rank(vector, tsquery).label("score"))
        .where(vector.op("@@")(tsquery))
        .subquery("search")
    )


def _conditions(
    db: Database, viewer: Viewer, now: datetime, flt: ArticleFilter
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [article_visible(viewer, now)]
    for kind, slug in (
        ("author", flt.author_slug),
        ("category", flt.category_slug),
        ("tag", flt.tag_slug),
    ):
        if slug is not None:
            link = ARTICLE_LINKS[kind]
            conds.append(a.c.id.in_(link.article_ids(link.parent.c.slug == slug)))
    if flt.published_after is not None:
        conds.append(a.c.published_at > flt.published_after)
    if flt.published_before is not None:
        conds.append(a.c.published_at < flt.published_before)
    return conds


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
) -> tuple[Page, Callable[[], Awaitable[int]]]:
    """One page of visible articles, and a function that counts them all (run only if asked)."""
    conds = _conditions(db, viewer, now, flt)
    if flt.search is not None:
        found = search_subquery(db, flt.search)
        if order_field is None:
            key = SortKey("RELEVANCE", found.c.score, a.c.id, descending=True, kind=float)
            stmt: Select[Any] = select(*ARTICLE_COLUMNS, key.column.label("sort_value")).join(
                found, found.c.id == a.c.id
            )
        else:
            key = sort_key(order_field, descending, viewer)
            conds.append(a.c.id.in_(select(found.c.id)))
            stmt = select(*ARTICLE_COLUMNS, key.column.label("sort_value"))
    else:
        key = sort_key(order_field, descending, viewer)
        stmt = select(*ARTICLE_COLUMNS, key.column.label("sort_value"))
    stmt = with_extras(stmt, extras).where(*conds)
    page = await keyset_page(db, stmt, key, args, lambda r: r.sort_value)
    if tags is not None:
        tags.listing("article")
        tags.articles(page.rows, now)

    async def count() -> int:
        count_stmt = select(func.count()).select_from(a).where(*conds)
        if flt.search is not None and order_field is None:
            count_stmt = count_stmt.where(a.c.id.in_(select(found.c.id)))
        return int(await db.scalar(count_stmt))

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
