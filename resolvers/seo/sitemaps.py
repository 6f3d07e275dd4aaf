"""Sitemap entries: every public, indexable, canonical, non-redirected URL of the site.

Kinds, in order: the home page, articles, authors, categories, tags (authors and terms only
while they list at least one public article). Each kind is one SELECT keyed on the primary key:
the filters (public, ``robots_index``, no canonical elsewhere, no redirect stored for the path)
and the hreflang alternates are part of that statement, so a chunk of 50,000 URLs is one query,
streamed row by row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy import false as sql_false

from resolvers.content.locales.translation_models import TRANSLATION_TABLES
from resolvers.db import Database, as_utc
from resolvers.media.sitemap_images import add_asset_images, asset_columns
from resolvers.media.urls import MediaUrls
from resolvers.models import (
    ARTICLE_LINKS,
    article_t,
    author_t,
    category_t,
    redirect_t,
    seo_meta_t,
    tag_t,
)
from resolvers.seo.metadata import (
    AlternateData,
    ImageData,
    entity_alternates,
    home_alternates,
    hreflang_alternates,
)
from resolvers.seo.paths import path_sql
from resolvers.site import Site
from resolvers.visibility import PUBLIC

KINDS = ("article", "author", "category", "tag")
STREAM_PARTITION = 1000
SEGMENTS = {"article": "articles", "author": "authors", "category": "categories", "tag": "tags"}
TABLES = {"article": article_t, "author": author_t, "category": category_t, "tag": tag_t}


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    kind: str  # home | article | author | category | tag
    id: int
    loc: str
    lastmod: datetime | None
    images: list[ImageData] = field(default_factory=list)
    alternates: list[AlternateData] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Chunk:
    """One child sitemap: ids ``first_id``..``last_id`` of one kind."""

    kind: str
    first_id: int
    last_id: int
    count: int
    lastmod: datetime | None


def _greatest(a: Any, b: Any) -> Any:
    return case((a >= b, a), else_=b)


def _meta(kind: str, table: Any, alias: str) -> Any:
    meta = seo_meta_t.alias(alias)
    on = and_(meta.c.entity_type == kind, meta.c.entity_id == table.c.id)
    return meta, on


def _indexable(site: Site, meta: Any, path: Any, *, canonical: bool = True) -> ColumnElement[bool]:
    """No noindex override, no canonical pointing elsewhere (when ``canonical`` overrides
    apply to the page), no redirect stored for the path."""
    rules = [
        meta.c.robots_index.is_not(sql_false()),
        ~exists().where(redirect_t.c.from_path == path),
    ]
    if canonical:
        rules.append(
            or_(
                meta.c.canonical_url.is_(None),
                meta.c.canonical_url == "",
                meta.c.canonical_url == literal(site.url, String) + path,
            )
        )
    return and_(*rules)


def _alternates_sql(site: Site, now: datetime) -> Any:
    """Correlated subquery: "id<TAB>locale<TAB>path" lines of the other public, indexable
    translations of the outer article (NULL when there are none)."""
    a = article_t
    t = article_t.alias("tr")
    meta, on = _meta("article", t, "tr_meta")
    line = cast(t.c.id, String) + "\t" + t.c.locale + "\t" + path_sql(site, "article", t)
    return (
        select(func.aggregate_strings(line, "\n"))
        .select_from(t.outerjoin(meta, on))
        .where(
            t.c.translation_group == a.c.translation_group,
            t.c.id != a.c.id,
            PUBLIC.sql(now, t),
            meta.c.robots_index.is_not(sql_false()),
        )
        .scalar_subquery()
    )


def _translations_sql(kind: str) -> Any:
    """Correlated subquery: "locale<TAB>slug" lines of every translation of the outer author
    or term (NULL when there are none); ``metadata.entity_alternates`` makes the links."""
    table, tr = TABLES[kind], TRANSLATION_TABLES[kind].alias("others")
    return (
        select(func.aggregate_strings(tr.c.locale + "\t" + tr.c.slug, "\n"))
        .where(tr.c.entity_id == table.c.id)
        .scalar_subquery()
    )


def _localized(site: Site, kind: str, source: Any, locale: str) -> tuple[Any, Any]:
    """An author's or term's source joined to its translation, and its path in ``locale``
    (the translated slug, else its own, under ``/<locale>``)."""
    table = TABLES[kind]
    tr = TRANSLATION_TABLES[kind]
    source = source.outerjoin(tr, and_(tr.c.entity_id == table.c.id, tr.c.locale == locale))
    slug = func.coalesce(tr.c.slug, table.c.slug)
    return source, literal(f"/{locale}", String) + path_sql(site, kind, table, slug)


def _listing_kind(kind: str, now: datetime, in_locale: Any) -> tuple[Any, Any]:
    """lastmod and eligibility of an author or term: its newest public article (in the
    locale), and whether it has one."""
    table = TABLES[kind]
    link, parent = ARTICLE_LINKS[kind].table, ARTICLE_LINKS[kind].parent_id
    public = PUBLIC.sql(now, article_t)
    if in_locale is not None:
        public = and_(public, in_locale)
    latest = (
        select(func.max(article_t.c.updated_at))
        .select_from(link.join(article_t, article_t.c.id == link.c.article_id))
        .where(parent == table.c.id, public)
        .scalar_subquery()
    )
    eligible = exists().where(parent == table.c.id, link.c.article_id == article_t.c.id, public)
    return _greatest(table.c.updated_at, latest), eligible


def kind_query(
    site: Site, kind: str, now: datetime, *, details: bool = True, locale: str | None = None
) -> Select[Any]:
    """Eligible rows of one kind: id, path, lastmod (+ image, locale, alternates if
    ``details``), unordered and unlimited; callers add the keyset range. With ``locale``: the
    articles in that locale, and the authors/terms that have a public article in it, at their
    localized paths (translated slug, else their own, under ``/<locale>``)."""
    table = TABLES[kind]
    path = path_sql(site, kind, table)
    meta, on = _meta(kind, table, "meta")
    source = table.outerjoin(meta, on)
    in_locale: Any = article_t.c.locale == locale if locale is not None else None
    if locale is not None and locale != site.default_locale and kind != "article":
        source, path = _localized(site, kind, source, locale)
    image_url: ColumnElement[Any]
    image_alt: ColumnElement[Any]
    locale_column: ColumnElement[Any]
    if kind == "article":
        lastmod = _greatest(table.c.updated_at, table.c.published_at)
        eligible = PUBLIC.sql(now, table)
        if in_locale is not None:
            eligible = and_(eligible, in_locale)
        image_url, image_alt, locale_column = (
            table.c.feature_image_url,
            table.c.feature_image_alt,
            table.c.locale,
        )
        alternates: Any = _alternates_sql(site, now)
    else:
        lastmod, eligible = _listing_kind(kind, now, in_locale)
        image_url = table.c.avatar_url if kind == "author" else null()
        image_alt = table.c.avatar_alt if kind == "author" else null()
        locale_column = literal(locale or site.default_locale, String)
        alternates = _translations_sql(kind)
    columns: list[Any] = [table.c.id, lastmod.label("lastmod")]
    if details:
        columns += [
            path.label("path"),
            image_url.label("image_url"),
            image_alt.label("image_alt"),
            locale_column.label("locale"),
            alternates.label("alternates"),
            table.c.slug.label("base_slug"),
            *asset_columns(kind, table),
        ]
    # A localized author/term page is its own canonical (the override names the default
    # locale's page: ``localized_meta`` ignores it there, and so does this).
    localized = locale not in (None, site.default_locale) and kind != "article"
    indexable = _indexable(site, meta, path, canonical=not localized)
    return select(*columns).select_from(source).where(eligible, indexable)


def entry(site: Site, kind: str, row: Any) -> SitemapEntry:
    images = [ImageData(row.image_url, row.image_alt)] if row.image_url else []
    alternates: list[AlternateData] = []
    if kind != "article":
        lines = str(row.alternates).split("\n") if row.alternates else []
        translations = [
            SimpleNamespace(locale=x, slug=y) for x, _, y in (li.partition("\t") for li in lines)
        ]
        alternates = entity_alternates(site, kind, row.id, row.base_slug, row.locale, translations)
    elif row.alternates:
        members = [(row.id, row.locale, site.absolute(row.path))]
        for line in str(row.alternates).split("\n"):
            member_id, locale, path = line.split("\t", 2)
            members.append((int(member_id), locale, site.absolute(path)))
        alternates = hreflang_alternates(site, members)
    return SitemapEntry(
        kind, row.id, site.absolute(row.path), _as_datetime(row.lastmod), images, alternates
    )


async def home_entry(
    db: Database, site: Site, now: datetime, locale: str | None = None
) -> SitemapEntry:
    """The home page (of ``locale``: ``/<locale>``); its lastmod is the newest public
    article's (in that locale)."""
    a = article_t
    stmt = select(func.max(_greatest(a.c.updated_at, a.c.published_at))).where(PUBLIC.sql(now, a))
    if locale is not None:
        stmt = stmt.where(a.c.locale == locale)
    latest = await db.scalar(stmt)
    url = site.locale_home_url(locale)
    return SitemapEntry("home", 0, url, _as_datetime(latest), alternates=home_alternates(site))


def _as_datetime(value: Any) -> datetime | None:
    """SQLite returns aggregates over expressions as text; PostgreSQL as datetimes."""
    found: datetime | None = datetime.fromisoformat(value) if isinstance(value, str) else value
    return as_utc(found)


async def plan(
    db: Database, site: Site, now: datetime, size: int, locale: str | None = None
) -> list[Chunk]:
    """Child sitemaps of at most ``size`` URLs, per kind in id order: one query per kind that
    numbers the eligible ids (ids and dates only) and groups them into buckets."""
    chunks: list[Chunk] = []
    for kind in KINDS:
        eligible = kind_query(site, kind, now, details=False, locale=locale).subquery()
        numbered = select(
            eligible.c.id,
            eligible.c.lastmod,
            ((func.row_number().over(order_by=eligible.c.id) - 1) // size).label("bucket"),
        ).subquery()
        rows = await db.all(
            select(
                func.min(numbered.c.id).label("first_id"),
                func.max(numbered.c.id).label("last_id"),
                func.count().label("n"),
                func.max(numbered.c.lastmod).label("lastmod"),
            )
            .group_by(numbered.c.bucket)
            .order_by(numbered.c.bucket)
        )
        chunks += [Chunk(kind, r.first_id, r.last_id, r.n, _as_datetime(r.lastmod)) for r in rows]
    return chunks


async def stream(
    db: Database,
    site: Site,
    now: datetime,
    kind: str,
    *,
    first_id: int | None = None,
    last_id: int | None = None,
    limit: int | None = None,
    media: MediaUrls | None = None,
    locale: str | None = None,
) -> AsyncIterator[SitemapEntry]:
    """Entries of one kind in id order, from one streamed query (a server-side cursor); with
    ``media``, library images too (one asset query per partition that names any)."""
    table = TABLES[kind]
    stmt = kind_query(site, kind, now, locale=locale)
    if first_id is not None:
        stmt = stmt.where(table.c.id >= first_id)
    if last_id is not None:
        stmt = stmt.where(table.c.id <= last_id)
    stmt = stmt.order_by(table.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    async with db.engine.connect() as conn:
        # Rows arrive in partitions: one hop to the driver per 1,000 rows, not per row.
        result = await conn.stream(stmt.execution_options(yield_per=STREAM_PARTITION))
        async for partition in result.partitions():
            entries = [entry(site, kind, row) for row in partition]
            if media is not None:
                await add_asset_images(db, media, partition, [e.images for e in entries])
            for found in entries:
                yield found


async def page(
    db: Database,
    site: Site,
    now: datetime,
    after: tuple[int, int] | None,
    size: int,
    changed_since: datetime | None,
    media: MediaUrls | None = None,
    locale: str | None = None,
) -> list[SitemapEntry]:
    """Up to ``size`` entries after the (kind rank, id) position ``after``; rank 0 is the home
    page, 1.. the kinds in ``KINDS`` order. One query per kind the page touches."""
    found: list[SitemapEntry] = []
    rank, after_id = after if after is not None else (-1, 0)
    if rank < 0:
        home = await home_entry(db, site, now, locale)
        if changed_since is None or (home.lastmod is not None and home.lastmod > changed_since):
            found.append(home)
    for kind_rank, kind in enumerate(KINDS, start=1):
        if kind_rank < rank or len(found) >= size:
            continue
        sub = kind_query(site, kind, now, locale=locale).subquery()
        stmt = select(sub)
        if kind_rank == rank:
            stmt = stmt.where(sub.c.id > after_id)
        if changed_since is not None:
            stmt = stmt.where(sub.c.lastmod > changed_since)
        stmt = stmt.order_by(sub.c.id).limit(size - len(found))
        rows = await db.all(stmt)
        entries = [entry(site, kind, row) for row in rows]
        if media is not None:
            await add_asset_images(db, media, rows, [e.images for e in entries])
        found += entries
    return found


async def count(
    db: Database,
    site: Site,
    now: datetime,
    changed_since: datetime | None,
    locale: str | None = None,
) -> int:
    """How many entries ``page`` would walk through in all (one query per kind + home)."""
    total = 0
    home = await home_entry(db, site, now, locale)
    if changed_since is None or (home.lastmod is not None and home.lastmod > changed_since):
        total += 1
    for kind in KINDS:
        sub = kind_query(site, kind, now, details=False, locale=locale).subquery()
        stmt = select(func.count()).select_from(sub)
        if changed_since is not None:
            stmt = stmt.where(sub.c.lastmod > changed_since)
        total += int(await db.scalar(stmt))
    return total
