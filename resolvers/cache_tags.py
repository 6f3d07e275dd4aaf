"""Cache tags: what a response depends on (read side) and what a write invalidates (write side).

Tag grammar (also sent to CDNs as ``Surrogate-Key`` / ``Cache-Tag``):

- ``article:12``, ``author:3``, ``category:5``, ``tag:7`` — an entity the response shows, or one
  looked up by id and not found (its id is the same tag, so creating or publishing it purges);
- ``article-slug:hello``, ``author-slug:ada``, ... — a lookup by slug that found nothing, so that
  publishing a draft with that slug purges the cached ``null`` (as WPGraphQL Smart Cache does);
- ``list:article``, ``list:author``, ... — a root list or count of that type;
- ``list:article:author:3`` (``:category:``, ``:tag:``) — the articles nested under one parent;
- ``list:search`` — a search answer: search documents index the names of every article's
  authors, categories and tags (and their translations), so a write of any of those purges it;
- ``path:/articles/hello`` — a lookup by URL path (``route``); ``skipped:path`` stands for many;
- ``skipped:article`` — a response that showed too many articles to name them all; every article
  write purges it (Smart Cache's fallback, so the header stays bounded).

This module is the grammar's one definition: the collector writes tags, ``tags_for_write``
lists what a write purges (response cache and CDN alike), and ``covering_tag`` tells the
bounded header which coarser tag stands for a family.

Nothing here imports the web or GraphQL layers: the collector is created per request by the
gateway and handed to the loaders and the query functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from urllib.parse import quote

from sqlalchemy import Select, bindparam, func, select

from resolvers.db import Database, as_utc
from resolvers.hot.driver import HotStatement
from resolvers.models import article_t
from resolvers.seo.patterns import match_path
from resolvers.site import Site
from resolvers.visibility import PUBLIC

ENTITY_KINDS = ("article", "author", "category", "tag")
MAX_VALUE_LENGTH = 100


def tag_value(value: str) -> str:
    """A slug or path as it appears in a tag: HTTP-header safe (percent-encoded beyond plain
    ASCII, no spaces or commas) and short (a long value becomes its hash). Readers and writers
    both go through here, so they agree."""
    encoded = quote(value, safe="/-._~:@!$&'()*+;=")
    if len(encoded) > MAX_VALUE_LENGTH:
        return "#" + hashlib.sha256(value.encode()).hexdigest()[:32]
    return encoded


def slug_tag(kind: str, slug: str) -> str:
    return f"{kind}-slug:{tag_value(slug)}"


def path_tag(path: str) -> str:
    return f"path:{tag_value(path)}"


def entity_tag(kind: str, entity_id: int) -> str:
    return f"{kind}:{entity_id}"


def list_tag(kind: str, parent_kind: str | None = None, parent_id: int | None = None) -> str:
    if parent_kind is None:
        return f"list:{kind}"
    return f"list:{kind}:{parent_kind}:{parent_id}"


def skipped_tag(kind: str) -> str:
    """Stands for every tag of ``kind`` left out of a bounded header; every write of it purges."""
    return f"skipped:{kind}"


# Kinds whose ``articles`` connection is tagged ``list:article:<kind>:<id>``.
PARENT_KINDS = ("author", "category", "tag")


def covering_tag(tag: str, step: int) -> str | None:
    """The coarser tag that stands for ``tag`` at fallback ``step`` of a bounded header (None:
    this step leaves it alone). Steps, in order: an entity -> ``skipped:<kind>``; a slug lookup
    -> ``skipped:<kind>``; a path -> ``skipped:path``; a nested article list -> ``list:article``.
    Each covering tag is one that every write it stands for purges (``tags_for_write``)."""
    head, _, rest = tag.partition(":")
    if step == 0 and head in ENTITY_KINDS and rest.isdigit():
        return skipped_tag(head)
    if step == 1 and head.endswith("-slug") and head.removesuffix("-slug") in ENTITY_KINDS:
        return skipped_tag(head.removesuffix("-slug"))
    if step == 2 and head == "path":
        return skipped_tag("path")
    if step == 3 and head == "list":
        kind, _, parent = rest.partition(":")
        parent_kind, _, parent_id = parent.partition(":")
        if kind == "article" and parent_kind in PARENT_KINDS and parent_id.isdigit():
            return list_tag("article")
    return None


FALLBACK_STEPS = 4


class TagCollector:
    """The tags of one request's reads, plus two flags the response cache obeys.

    ``time_sensitive``: the answer depends on the clock (an article list, or an article that was
    not found and may be a scheduled one), so its cache lifetime is capped at the next scheduled
    publication. ``private``: the answer must never be stored or shared (a preview, or a
    non-public row reached the response).
    """

    __slots__ = ("private", "tags", "time_sensitive")

    def __init__(self) -> None:
        self.tags: set[str] = set()
        self.time_sensitive = False
        self.private = False

    def entity(self, kind: str, entity_id: int) -> None:
        self.tags.add(entity_tag(kind, entity_id))

    def entities(self, kind: str, rows: Iterable[Any]) -> None:
        self.tags.update(entity_tag(kind, row.id) for row in rows)

    def articles(self, rows: Iterable[Any], now: datetime) -> None:
        """Article rows about to be shown; a non-public one makes the response private."""
        for row in rows:
            self.tags.add(entity_tag("article", row.id))
            if not PUBLIC.holds(row, now):
                self.private = True
            elif getattr(row, "unpublish_at", None) is not None:
                self.time_sensitive = True  # it stops being public at unpublish_at

    def missing(self, kind: str, *, slug: str | None = None, entity_id: int | None = None) -> None:
        """A lookup found nothing: tag it so the write that creates the thing purges the null."""
        if slug is not None:
            self.tags.add(slug_tag(kind, slug))
        if entity_id is not None:
            self.tags.add(entity_tag(kind, entity_id))
        if kind == "article":
            self.time_sensitive = True  # it may be a scheduled article that becomes public

    def listing(
        self, kind: str, parent_kind: str | None = None, parent_id: int | None = None
    ) -> None:
        """A list (or count) of ``kind``, at the root or under one parent."""
        self.tags.add(list_tag(kind, parent_kind, parent_id))
        if kind == "article":
            self.time_sensitive = True

    def path(self, *paths: str) -> None:
        """A lookup by URL path (route resolution): writes record the paths they change."""
        self.tags.update(path_tag(p) for p in paths)

    def clock_dependent(self) -> None:
        """The answer may change when a scheduled article goes live, with no write."""
        self.time_sensitive = True

    def mark_private(self) -> None:
        """Call for anything viewer-specific (preview tokens): never cache, never share."""
        self.private = True


@dataclass(frozen=True, slots=True)
class EntityChange:
    """One committed change, as a write path describes it to the cache.

    ``slugs``: every slug the entity had before or has after the write (both, on a rename).
    ``parents``: for an article, every (kind, id) of its authors, categories and tags before or
    after the write, so their nested ``articles`` lists are purged.
    """

    kind: str
    entity_id: int
    slugs: tuple[str, ...] = ()
    parents: tuple[tuple[str, int], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind not in ENTITY_KINDS:
            raise ValueError(f"unknown entity kind {self.kind!r}")
        for parent_kind, _ in self.parents:
            if parent_kind not in PARENT_KINDS:
                raise ValueError(f"unknown parent kind {parent_kind!r}")


def tags_for_write(
    kind: str,
    entity_id: int,
    *,
    slugs: Iterable[str] = (),
    paths: Iterable[str] = (),
    related: Iterable[tuple[str, int]] = (),
) -> set[str]:
    """Every tag a cached response may carry that a write of ``kind`` ``entity_id`` makes wrong:
    the entity, its type's lists and fallback, its slugs (before and after), the paths it had or
    has (route answers), and the lists under the entities it is or was linked to. The response
    cache (after commit) and the CDN purge (from the outbox event) both call this."""
    tags = {entity_tag(kind, entity_id), list_tag(kind), skipped_tag(kind)}
    tags.update(slug_tag(kind, slug) for slug in slugs)
    if kind in PARENT_KINDS:
        # Counts and nested lists under this parent show its articles; a deleted parent
        # empties them. Its names are in its articles' search documents: searches change.
        tags.add(list_tag("article", kind, entity_id))
        tags.add(list_tag("search"))
    path_tags = {path_tag(p) for p in paths}
    if path_tags:
        tags |= path_tags | {skipped_tag("path")}
    for other, other_id in related:
        if other in PARENT_KINDS:
            tags.add(list_tag("article", other, other_id))
        elif other == "article":
            tags.add(entity_tag("article", other_id))
    return tags


def tags_for_change(change: EntityChange) -> set[str]:
    """The tags of one described change (``EntityChange``)."""
    return tags_for_write(change.kind, change.entity_id, slugs=change.slugs, related=change.parents)


def slugs_from_paths(site: Site, kind: str, paths: Iterable[str]) -> set[str]:
    """The slugs of ``kind`` in paths a write recorded (URL patterns read backwards)."""
    return {m.slug for p in paths for m in match_path(site, p.lower()) if m.kind == kind}


def tags_for_recorded(change: Any, site: Site) -> set[str]:
    """Tags a change recorded by a write command makes wrong.

    ``change`` has ``entity``, ``entity_id``, ``paths_before``, ``paths_after`` and ``related``
    ((kind, id) of entities whose lists changed), as ``resolvers.changes.Change`` does.
    """
    kind = change.entity
    paths = (*change.paths_before, *change.paths_after)
    slugs = slugs_from_paths(site, kind, paths) if kind in ENTITY_KINDS else set()
    return tags_for_write(kind, change.entity_id, slugs=slugs, paths=paths, related=change.related)


def _next_scheduled_change(_is_sqlite: bool) -> Select[Any]:
    a, now = article_t, cast(Any, bindparam("now"))  # the rule takes it as its instant
    starts = select(func.min(a.c.published_at)).where(PUBLIC.scheduled_sql(now))
    ends = select(func.min(a.c.unpublish_at)).where(PUBLIC.ends_sql(now))
    return select(starts.scalar_subquery().label("starts"), ends.scalar_subquery().label("ends"))


# Asked when a time-sensitive answer is cached after a write (the first miss of the home page):
# on the lean path, one statement on the loop's own connection, not two through the pool.
NEXT_SCHEDULED_CHANGE = HotStatement("next-scheduled-change", _next_scheduled_change)


async def next_scheduled_publish(db: Database, now: datetime) -> datetime | None:
    """When public content next changes with no write: the next scheduled article becomes
    public, or a public one reaches its ``unpublish_at``. One seek on an index each."""
    row = (await NEXT_SCHEDULED_CHANGE.all(db, now=now))[0]
    times = [t for t in (as_utc(row.starts), as_utc(row.ends)) if t is not None]
    return min(times) if times else None
