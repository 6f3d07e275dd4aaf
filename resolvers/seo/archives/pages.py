"""Archive pages in ``route``: the home archive and the archives of a category, tag or author,
by page number and per locale.

Paths: ``[/<locale>]<archive>[/page/<n>]`` where ``<archive>`` is empty (the home archive) or
an author, category or tag path of the site's patterns (``/categories/x``), ``<locale>`` is a
configured locale other than the default (``GATEWAY_LOCALES``), and ``<n>`` is 2 or more: page 1
is the bare path (``/page/1`` answers 301 to it, as WordPress does). An archive lists the
visible articles of its locale, newest first, ``GATEWAY_ARCHIVE_PAGE_SIZE`` to a page; pages past
the last, and pages starting deeper than ``GATEWAY_MAX_PAGE_OFFSET`` rows, are not found.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resolvers.access import Viewer
from resolvers.cache_tags import TagCollector
from resolvers.content.articles import ArticleFilter, list_articles
from resolvers.content.locales.localized import base_row, find_by_localized_slug
from resolvers.content.slugs import make_slug
from resolvers.db import Database
from resolvers.pagination import Page, PageArgs
from resolvers.seo.patterns import LOCALE_RE, match_path
from resolvers.site import Site

HOME = "home"
TERM_KINDS = ("author", "category", "tag")
PAGE_SUFFIX = re.compile(r"^(?P<base>.*)/page/(?P<number>[^/]+)$")
LOCALE_PREFIX = re.compile(rf"^/(?P<locale>{LOCALE_RE})(?P<rest>/.*)?$")
DIGITS = re.compile(r"^[0-9]{1,9}$")


@dataclass(frozen=True, slots=True)
class ArchiveMatch:
    """One reading of a request path as an archive page."""

    kind: str  # home, author, category or tag
    slug: str | None
    locale: str | None  # the prefix as written; None: no prefix (the default locale)
    page: int  # 1 without a /page/<n> suffix; 0 for a suffix that is not a number


def match_archive(site: Site, path: str) -> list[ArchiveMatch]:
    """Every archive reading of a normalised path (prefixed readings first)."""
    base, page = path, 1
    suffix = PAGE_SUFFIX.match(path)
    if suffix is not None:
        base = suffix["base"] or "/"
        number = suffix["number"]
        page = int(number) if DIGITS.match(number) else 0
    readings: list[tuple[str | None, str]] = []
    prefixed = LOCALE_PREFIX.match(base)
    if prefixed is not None:
        readings.append((prefixed["locale"], prefixed["rest"] or "/"))
    readings.append((None, base))
    found = []
    for locale, rest in readings:
        if rest == "/":
            found.append(ArchiveMatch(HOME, None, locale, page))
        for reading in match_path(site, rest):
            if reading.kind in TERM_KINDS:
                found.append(ArchiveMatch(reading.kind, reading.slug, locale, page))
    return found


def archive_path(site: Site, kind: str, slug: str | None, locale: str, page: int) -> str:
    """The canonical path of an archive page: no prefix for the default locale, no suffix for
    page 1."""
    path = "" if kind == HOME or slug is None else site.path(kind, slug)
    if locale != site.default_locale:
        path = f"/{locale}{path}"
    if page > 1:
        path = f"{path}/page/{page}"
    return path or "/"


async def find_term(
    db: Database,
    site: Site,
    kind: str,
    slug: str,
    locale: str,
    tags: TagCollector | None = None,
) -> Any | None:
    """The author, category or tag a path segment names in ``locale``.

    The one lookup archive routing uses: the slug in that locale (a translated slug, or the
    entity's own where it has no translation there; ``find_by_localized_slug``), as typed or
    as its speaking form ("Schlüssel" -> "schluessel"). A miss is tagged, so the write that
    creates the term (or its translation) purges a cached NotFound."""
    candidates = list(dict.fromkeys([slug, make_slug(slug) or slug]))
    for candidate in candidates:
        row = await find_by_localized_slug(db, site, kind, candidate, locale)
        if row is not None:
            if tags is not None:
                tags.entity(kind, row.id)
            return row
    if tags is not None:
        for candidate in candidates:
            tags.missing(kind, slug=candidate)
    return None


@dataclass(slots=True)
class Archive:
    """A resolved archive page: what it lists, where it is, and how many pages there are."""

    kind: str
    subject: Any  # the author/category/tag row; None for the home archive
    locale: str
    page: int
    per_page: int
    total: int
    path: str
    last_served: int  # the deepest page number `route` serves (GATEWAY_MAX_PAGE_OFFSET)
    filter: ArticleFilter
    viewer: Viewer  # who asked (a preview token's viewer sees its article in the count too)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def page_path(self, site: Site, page: int) -> str:
        slug = None if self.subject is None else str(self.subject.slug)
        return archive_path(site, self.kind, slug, self.locale, page)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < min(self.pages, self.last_served)

    def args(self) -> PageArgs:
        offset = (self.page - 1) * self.per_page
        return PageArgs(size=self.per_page, cursor=None, backward=False, offset=offset)


def archive_filter(kind: str, subject: Any, locale: str) -> ArticleFilter:
    # Article filters name an author/term by its own slug, not a translated one.
    slug = None if subject is None else str(base_row(subject).slug)
    return ArticleFilter(
        author_slug=slug if kind == "author" else None,
        category_slug=slug if kind == "category" else None,
        tag_slug=slug if kind == "tag" else None,
        locale=locale,
    )


async def count_archive(
    db: Database, viewer: Viewer, now: datetime, flt: ArticleFilter, tags: TagCollector
) -> int:
    """How many articles the archive lists (the same visibility rule and filter as its pages)."""
    nothing = PageArgs(size=0, cursor=None, backward=False)
    _, count = await list_articles(db, viewer, now, flt, None, None, nothing, tags=tags)
    return await count()


async def find_archive(
    db: Database,
    site: Site,
    viewer: Viewer,
    now: datetime,
    match: ArchiveMatch,
    max_offset: int,
    tags: TagCollector,
) -> tuple[Archive | None, bool]:
    """The archive page a reading names, and whether its archive exists at all (a missing
    page of an existing archive is not found without trying the other readings)."""
    locale = match.locale or site.default_locale
    if not site.serves_locale(locale):
        return None, False
    subject = None
    if match.kind != HOME:
        assert match.slug is not None
        subject = await find_term(db, site, match.kind, match.slug, locale, tags)
        if subject is None:
            return None, False
    per_page = site.archive_page_size
    last_served = max_offset // per_page + 1
    if match.page < 1 or match.page > last_served:
        return None, True
    flt = archive_filter(match.kind, subject, locale)
    total = await count_archive(db, viewer, now, flt, tags)
    slug = None if subject is None else str(subject.slug)
    archive = Archive(
        kind=match.kind,
        subject=subject,
        locale=locale,
        page=match.page,
        per_page=per_page,
        total=total,
        path=archive_path(site, match.kind, slug, locale, match.page),
        last_served=last_served,
        filter=flt,
        viewer=viewer,
    )
    if match.page > archive.pages:
        return None, True
    return archive, True


async def archive_articles(
    db: Database,
    now: datetime,
    archive: Archive,
    extras: frozenset[str],
    tags: TagCollector,
) -> tuple[Page, Callable[[], Awaitable[int]]]:
    """The archive page's articles (one statement); the count is the one already made."""
    page, _ = await list_articles(
        db,
        archive.viewer,
        now,
        archive.filter,
        None,
        None,
        archive.args(),
        extras=extras,
        tags=tags,
    )

    async def count() -> int:
        return archive.total

    return page, count
