"""Route resolution: a request path -> content, a redirect, gone (410) or not found.

Order of answers (see README "Building the <head> and routing a request"):
1. Content the viewer may see, found through the URL patterns. If the request spelled its path
   differently from the canonical path (case, trailing or duplicate slashes, percent-encoding,
   an umlaut typed into a slug, a stale category segment), the answer is a 301 to the canonical
   path; otherwise the content itself. The query string never matters, except that a stored
   redirect may keep one (an imported site's ``/?p=12``): it is looked up first.
   Then archive pages (``resolvers.seo.archives.pages``): ``/page/7``, ``/categories/x/page/3``,
   ``/de``, ``/de/categories/x``; ``/page/1`` and other spellings answer 301 to the canonical
   path, and a page past the last (or not a number) is not found.
2. A row in the ``redirect`` table for the path; chains (A->B, B->C) are followed in one
   recursive query and answered with one hop to the end. 410 rows answer ``Gone``.
3. Not found. Drafts are not found for viewers who may not see them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import func, literal, select

from resolvers.access import Viewer
from resolvers.cache_tags import TagCollector
from resolvers.content import directory, hot_reads
from resolvers.content.slugs import make_slug
from resolvers.db import Database
from resolvers.errors import UserInputError
from resolvers.models import redirect_t
from resolvers.pagination import Page, PageArgs, SortKey, keyset_page
from resolvers.seo.archives.pages import find_archive, match_archive
from resolvers.seo.paths import primary_category_select
from resolvers.seo.patterns import PathMatch, match_path
from resolvers.seo.redirects import query_key
from resolvers.site import Site

MAX_PATH_LENGTH = 2048
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
MAX_HOPS = 10
PERMANENT = frozenset({301, 308})
TEMPORARY_OF = {301: 302, 308: 307}
REDIRECT_CODES = frozenset({301, 302, 307, 308})
GONE = 410
LOOP = -1  # status of the marker hop that closes a loop


def request_path(raw: str) -> str:
    """The path part of what a front end passes: a path or a full URL; query and fragment go."""
    if len(raw) > MAX_PATH_LENGTH:
        raise UserInputError(f"`path` is at most {MAX_PATH_LENGTH} characters.")
    raw = raw.strip()
    # Without a scheme it is a path: "//x" is a duplicate slash here, not a host.
    has_scheme = SCHEME_RE.match(raw)
    path = urlsplit(raw).path if has_scheme else raw.split("#", 1)[0].split("?", 1)[0]
    if not path.startswith("/"):
        path = "/" + path
    return path


def request_query(raw: str) -> str:
    """The canonical query string of what a front end passes (empty without one)."""
    raw = raw.strip().split("#", 1)[0]
    if "?" not in raw:
        return ""
    return query_key(raw.split("?", 1)[1]) if storable(raw) else ""


def normalize_path(path: str) -> str:
    """The lookup form of a path: percent-decoded, duplicate slashes and dot segments removed,
    no trailing slash (except the root), lower case."""
    decoded = unquote(path, errors="replace")
    collapsed = "/" + "/".join(segment for segment in decoded.split("/") if segment)
    resolved = posixpath.normpath(collapsed)
    if resolved.startswith("//"):  # normpath keeps a leading double slash (POSIX rule)
        resolved = "/" + resolved.lstrip("/")
    return resolved.lower()


def storable(path: str) -> bool:
    """No stored path contains control characters (PostgreSQL text cannot even hold NUL), so a
    path with one is not found, without asking the database."""
    return not CONTROL_RE.search(path)


def slug_candidates(segment: str) -> list[str]:
    """The segment as typed (lower case) and as a speaking slug: "Schlüssel" -> "schluessel"."""
    candidates = [segment]
    slug = make_slug(segment)
    if slug and slug != segment:
        candidates.append(slug)
    return candidates


@dataclass(frozen=True, slots=True)
class RouteAnswer:
    """What a path resolves to. ``kind``: home, article, author, category, tag, archive,
    redirect, gone, not_found. ``row`` is set for content (an ``Archive`` for archive pages);
    ``location``/``status`` for redirects."""

    kind: str
    row: Any = None
    location: str | None = None
    status: int = 200
    source: str | None = None  # "canonical" for spelling redirects, "table" for stored ones


@dataclass(frozen=True, slots=True)
class Hop:
    from_path: str
    to_path: str | None
    status: int


async def _find_article(
    db: Database, site: Site, viewer: Viewer, now: datetime, match: PathMatch
) -> Any | None:
    candidates = slug_candidates(match.slug)
    locale = match.locale or site.default_locale
    return await hot_reads.article_by_spelling(
        db, viewer, now, candidates[0], candidates[-1], locale
    )


async def _primary_category(db: Database, article_id: int) -> str | None:
    found = await db.scalar(primary_category_select(article_id))
    return None if found is None else str(found)


async def _find_content(
    db: Database, site: Site, viewer: Viewer, now: datetime, normalized: str
) -> tuple[str, Any, str] | None:
    """(kind, row, canonical path) of the first pattern reading that names visible content."""
    for match in match_path(site, normalized):
        if match.kind == "article":
            row = await _find_article(db, site, viewer, now, match)
            if row is None:
                continue
            category = None
            if site.article_needs_category:
                category = await _primary_category(db, row.id)
            return "article", row, site.path("article", row.slug, row.locale, category)
        for slug in slug_candidates(match.slug):
            row = await directory.get_by_slug(db, match.kind, slug)
            if row is not None:
                return match.kind, row, site.path(match.kind, row.slug)
    return None


async def redirect_chain(db: Database, paths: list[str]) -> list[Hop]:
    """The stored redirect for the first of ``paths`` that has one, followed to its end.

    One recursive query; stops after ``MAX_HOPS`` and at the first repeated path (a loop).
    """
    r = redirect_t
    start = (
        select(
            r.c.from_path,
            r.c.to_path,
            r.c.status_code,
            literal(1).label("depth"),
        )
        .where(r.c.from_path.in_(paths))
        .cte("chain", recursive=True)
    )
    step = select(
        r.c.from_path,
        r.c.to_path,
        r.c.status_code,
        (start.c.depth + 1).label("depth"),
    ).where(r.c.from_path == start.c.to_path, start.c.depth < MAX_HOPS)
    chain = start.union_all(step)
    rows = await db.all(select(chain).order_by(chain.c.depth))
    if not rows:
        return []
    by_from = {row.from_path: row for row in rows}
    first = next((by_from[p] for p in paths if p in by_from), None)
    hops: list[Hop] = []
    seen: set[str] = set()
    current = first
    while current is not None and len(hops) < MAX_HOPS:
        if current.from_path in seen:
            return [*hops, Hop(current.from_path, current.to_path, LOOP)]
        seen.add(current.from_path)
        hops.append(Hop(current.from_path, current.to_path, current.status_code))
        if current.status_code == GONE or current.to_path is None:
            break
        current = by_from.get(current.to_path)
    return hops


def collapse(hops: list[Hop]) -> RouteAnswer:
    """One answer for a chain: the end of it, permanent only if every hop is permanent."""
    if hops[-1].status == LOOP:
        return RouteAnswer("not_found", status=404)
    last = hops[-1]
    if last.status == GONE or last.to_path is None:
        return RouteAnswer("gone", status=GONE, source="table")
    status = hops[0].status
    if status in PERMANENT and any(h.status not in PERMANENT for h in hops):
        status = TEMPORARY_OF[status]
    return RouteAnswer("redirect", location=last.to_path, status=status, source="table")


def _canonical(path: str) -> RouteAnswer:
    return RouteAnswer("redirect", location=path, status=301, source="canonical")


async def _archive_route(
    db: Database,
    site: Site,
    viewer: Viewer,
    now: datetime,
    requested: str,
    normalized: str,
    max_offset: int,
    tags: TagCollector,
) -> tuple[RouteAnswer | None, bool]:
    """The archive page (or its canonical redirect) the path names, and whether an archive
    was found whose page does not exist (then no other reading applies: not found, unless a
    stored redirect says otherwise)."""
    for match in match_archive(site, normalized):
        archive, exists = await find_archive(db, site, viewer, now, match, max_offset, tags)
        if archive is not None:
            if requested != archive.path:
                return _canonical(archive.path), True
            return RouteAnswer("archive", row=archive), True
        if exists:
            return None, True
    return None, False


async def resolve_route(
    db: Database,
    site: Site,
    viewer: Viewer,
    now: datetime,
    raw_path: str,
    tags: TagCollector | None = None,
    max_offset: int = 10_000,
    archive_pages: bool = False,
) -> RouteAnswer:
    requested = request_path(raw_path)
    normalized = normalize_path(requested)
    tags = tags if tags is not None else TagCollector()
    # Writes record the paths they change (content and redirects), so the answer for a
    # path, found or not, is purged by them; what it found is tagged too.
    tags.path(*dict.fromkeys([requested, normalized]))
    if not storable(normalized):
        return RouteAnswer("not_found", status=404)
    query = request_query(raw_path)
    if query:
        # Imported sites answered by id in the query (WordPress /?p=12): only a stored
        # redirect that kept its query matches; otherwise the query never matters.
        tags.path(f"{normalized}?{query}")
        hops = await redirect_chain(db, [f"{normalized}?{query}"])
        tags.listing("redirect")
        if hops:
            return collapse(hops)
    if archive_pages:  # page 1 of an archive answers as an archive page too
        answer, _ = await _archive_route(
            db, site, viewer, now, requested, normalized, max_offset, tags
        )
        if answer is not None:
            return answer
    elif normalized == "/":
        return RouteAnswer("home") if requested == "/" else _canonical("/")
    content = await _find_content(db, site, viewer, now, normalized)
    if content is not None:
        kind, row, canonical = content
        if kind == "article":
            tags.articles([row], now)
        else:
            tags.entity(kind, row.id)
        if requested != canonical:
            return _canonical(canonical)
        return RouteAnswer(kind, row=row)
    if not archive_pages:
        answer, _ = await _archive_route(
            db, site, viewer, now, requested, normalized, max_offset, tags
        )
        if answer is not None:
            return answer
    decoded = unquote(requested, errors="replace")
    candidates = list(dict.fromkeys([decoded, normalized]))
    hops = await redirect_chain(db, candidates)
    tags.listing("redirect")  # a chain's later hops are other paths: any redirect write purges
    if hops:
        return collapse(hops)
    tags.clock_dependent()  # a scheduled article may take this path later
    return RouteAnswer("not_found", status=404)


async def get_redirect(db: Database, path: str) -> Any | None:
    """The stored redirect whose source is ``path`` (as given, or in its normalised form)."""
    requested = request_path(path)
    spellings = dict.fromkeys([unquote(requested), normalize_path(requested)])
    candidates = [p for p in spellings if storable(p)]
    if not candidates:
        return None
    rows = await db.all(select(redirect_t).where(redirect_t.c.from_path.in_(candidates)))
    by_path = {r.from_path: r for r in rows}
    return next((by_path[p] for p in candidates if p in by_path), None)


async def list_redirects(db: Database, args: PageArgs) -> tuple[Page, Callable[[], Awaitable[int]]]:
    """Stored redirects ordered by source path (a unique, indexed column)."""
    r = redirect_t
    key = SortKey("FROM_PATH:ASC", r.c.from_path, r.c.id, descending=False, kind=str)
    page = await keyset_page(db, select(r), key, args, lambda row: row.from_path)

    async def count() -> int:
        return int(await db.scalar(select(func.count()).select_from(r)))

    return page, count
