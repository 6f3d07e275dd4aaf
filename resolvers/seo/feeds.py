"""Feed data: the newest public articles of the site, an author, a category or a tag.

Three queries per feed, whatever its length: the articles (newest first on the
``(status, published_at, id)`` index), then their authors and their category/tag names in one
batch each. The parent (author/term) lookup adds one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, func, literal, select, union_all

from resolvers.content.locales.localized import find_by_localized_slug, localized_path
from resolvers.content.locales.translation_models import TRANSLATION_TABLES
from resolvers.db import Database, as_utc
from resolvers.media.html import expand_bodies, load_from
from resolvers.media.urls import MediaUrls
from resolvers.models import (
    ARTICLE_LINKS,
    article_author_t,
    article_t,
    author_t,
)
from resolvers.seo.metadata import describe
from resolvers.seo.paths import path_sql
from resolvers.site import Site
from resolvers.visibility import PUBLIC

# Enough of the body to describe an article without an excerpt, without reading all of it.
BODY_HEAD = 4000


@dataclass(frozen=True, slots=True)
class FeedSource:
    """Whose feed it is: the site (kind "site") or one author/category/tag."""

    kind: str
    title: str
    description: str | None
    page_url: str
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedItem:
    guid: str
    title: str
    url: str
    summary: str | None
    content: str | None
    published: datetime
    updated: datetime
    image_url: str | None = None
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


async def feed_source(
    db: Database, site: Site, kind: str, slug: str | None, locale: str | None = None
) -> Any | None:
    """(FeedSource, parent id) or None when the author/category/tag does not exist. With a
    ``locale``, the author/category/tag is found by its slug there and named in it."""
    if kind == "site":
        home = site.locale_home_url(locale)
        return FeedSource("site", site.name, site.description, home), None
    row = await find_by_localized_slug(db, site, kind, slug or "", locale)
    if row is None:
        return None
    summary = row.bio if kind == "author" else row.description
    source = FeedSource(
        kind,
        f"{site.name}: {row.name}",
        describe(summary, html=kind == "author"),
        site.absolute(localized_path(site, kind, row)),
        as_utc(row.updated_at),
    )
    return source, row.id


def tag_uri(site: Site, article_id: int, created: datetime) -> str:
    """A guid that survives slug changes (RFC 4151 tag URI)."""
    host = urlsplit(site.url).hostname or "localhost"
    return f"tag:{host},{created.date().isoformat()}:article:{article_id}"


async def newest(
    db: Database,
    site: Site,
    now: datetime,
    *,
    kind: str,
    parent_id: int | None,
    limit: int,
    full_content: bool,
    media: MediaUrls | None = None,
    locale: str | None = None,
) -> list[FeedItem]:
    """The newest public articles (of one parent, in one ``locale`` if given; their author
    and term names then in that locale, with fallback); with ``media``, full bodies get
    their library images completed (``resolvers.media.html``, one load of all assets)."""
    a = article_t
    body = a.c.body if full_content else func.substr(a.c.body, 1, BODY_HEAD)
    stmt = select(
        a.c.id,
        a.c.title,
        a.c.excerpt,
        body.label("body"),
        a.c.published_at,
        a.c.updated_at,
        a.c.created_at,
        a.c.feature_image_url,
        path_sql(site, "article", a).label("path"),
    ).where(PUBLIC.sql(now, a))
    if parent_id is not None:
        link, parent = ARTICLE_LINKS[kind].table, ARTICLE_LINKS[kind].parent_id
        stmt = stmt.where(a.c.id.in_(select(link.c.article_id).where(parent == parent_id)))
    if locale is not None:
        stmt = stmt.where(a.c.locale == locale)
    rows = await db.all(stmt.order_by(a.c.published_at.desc(), a.c.id.desc()).limit(limit))
    if not rows:
        return []
    ids = [r.id for r in rows]
    authors, terms = await _names(db, ids, None if locale == site.default_locale else locale)
    bodies = [r.body or "" for r in rows]
    if full_content and media is not None:
        bodies = await expand_bodies(bodies, load_from(db), media)
    items = []
    for r, full_body in zip(rows, bodies, strict=True):
        published: datetime = as_utc(r.published_at)
        updated = max(as_utc(r.updated_at) or published, published)
        items.append(
            FeedItem(
                guid=tag_uri(site, r.id, as_utc(r.created_at)),
                title=r.title,
                url=site.absolute(r.path),
                summary=describe(r.excerpt) or describe(r.body, html=True),
                content=full_body if full_content else None,
                published=published,
                updated=updated,
                image_url=r.feature_image_url,
                authors=authors.get(r.id, []),
                categories=terms.get(r.id, []),
            )
        )
    return items


def _named(kind: str, table: Any, locale: str | None) -> tuple[Any, Any]:
    """(the name column, the FROM clause) of ``kind`` rows in ``locale`` (None: base names)."""
    if locale is None:
        return table.c.name, table
    tr = TRANSLATION_TABLES[kind]
    on = and_(tr.c.entity_id == table.c.id, tr.c.locale == locale)
    return func.coalesce(tr.c.name, table.c.name), table.outerjoin(tr, on)


async def _names(
    db: Database, ids: list[int], locale: str | None = None
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Author names and category-then-tag names of the articles, in their stored order (in
    ``locale`` with fallback to the base names, if given)."""
    link = article_author_t
    name, source = _named("author", author_t, locale)
    author_rows = await db.all(
        select(link.c.article_id, name.label("name"))
        .select_from(link.join(source, author_t.c.id == link.c.author_id))
        .where(link.c.article_id.in_(ids))
        .order_by(link.c.article_id, link.c.position)
    )
    parts = []
    for rank, kind in enumerate(("category", "tag")):
        lt, column, table = (
            ARTICLE_LINKS[kind].table,
            ARTICLE_LINKS[kind].parent_id,
            ARTICLE_LINKS[kind].parent,
        )
        name, source = _named(kind, table, locale)
        parts.append(
            select(lt.c.article_id, name.label("name"), literal(rank).label("rank"), lt.c.position)
            .select_from(lt.join(source, table.c.id == column))
            .where(lt.c.article_id.in_(ids))
        )
    terms = union_all(*parts).subquery()
    term_rows = await db.all(
        select(terms.c.article_id, terms.c.name).order_by(
            terms.c.article_id, terms.c.rank, terms.c.position
        )
    )
    by_author: dict[int, list[str]] = defaultdict(list)
    for row in author_rows:
        by_author[row.article_id].append(row.name)
    by_term: dict[int, list[str]] = defaultdict(list)
    for row in term_rows:
        by_term[row.article_id].append(row.name)
    return by_author, by_term
