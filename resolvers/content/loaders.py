"""Dataloaders of the content domain: articles, authors, categories, tags and their links.

One class per relation, named ``<Target>By<Key>Loader``; each batch runs one SELECT and returns a
list aligned with its keys (``None`` for a missing to-one, ``[]`` for an empty to-many). Loaders
are built per request (aiodataloader binds the running loop) with the request's viewer, clock
and cache-tag collector: every batch records what it returned and what it did not find.

aiodataloader runs each batch in a task of its own, which nothing ties to the request that asked
for it; a ``RequestScope`` does: the request closes it however it ends (answered, failed, timed
out, cancelled), which stops the batches still running and refuses those not yet started. A
batch outliving its request would otherwise keep a connection past the request, and past the
shutdown that disposes of the pool, where that connection is never closed.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import func, select

from resolvers.access import Viewer, article_visible
from resolvers.cache_tags import TagCollector
from resolvers.content import hot_reads
from resolvers.content.articles import ARTICLE_COLUMNS, sort_key
from resolvers.content.directory import TABLES
from resolvers.db import Database
from resolvers.models import ARTICLE_LINKS, article_t, author_t
from resolvers.pagination import Page, PageArgs, build_page, encode_cursor

K = TypeVar("K")
V = TypeVar("V")


class RequestScope:
    """The batches of one request's loaders: ``close`` cancels and awaits those still running,
    cancels the loads still waiting, and makes any batch that starts afterwards stop at once."""

    def __init__(self) -> None:
        self.closed = False
        self._running: set[asyncio.Task[Any]] = set()
        self._loads: set[asyncio.Future[Any]] = set()  # the loads not answered yet
        # Called with (loader name, number of keys) as each batch starts (batch-size metrics).
        self.on_batch: Callable[[str, int], None] | None = None

    def watch(self, load: asyncio.Future[Any]) -> None:
        self._loads.add(load)
        load.add_done_callback(self._loads.discard)

    async def run(self, batch: Callable[[Any], Awaitable[Any]], keys: Any, name: str = "") -> Any:
        """One batch (of the loader ``name``), in the task aiodataloader runs it in."""
        if self.closed:
            raise asyncio.CancelledError  # the request is over: no database work for it
        if self.on_batch is not None:
            self.on_batch(name, len(keys))
        task = asyncio.current_task()
        assert task is not None  # aiodataloader runs batches in tasks
        self._running.add(task)
        try:
            return await batch(keys)
        finally:
            self._running.discard(task)

    async def close(self) -> None:
        self.closed = True
        running = list(self._running)
        for task in running:
            task.cancel()
        if running:
            # Cancelled, each batch returns its connection before this returns.
            await asyncio.wait(running)
        for load in list(self._loads):
            load.cancel()


class RequestLoader(DataLoader[K, V]):
    """A dataloader bound to one request's database, viewer, clock, tag collector and scope."""

    name = ""  # its ``RequestLoaders`` attribute, set when built there (metrics, spans)

    @staticmethod
    def get_cache_key(key: Any) -> Any:
        """The key itself (aiodataloader's default, without a lambda per instance)."""
        return key

    def __init__(
        self,
        db: Database,
        viewer: Viewer,
        now: datetime,
        tags: TagCollector,
        scope: RequestScope | None = None,
    ) -> None:
        # What aiodataloader's constructor sets up (its defaults), without its per-instance
        # inspection of the batch function (a coroutine function here by definition; a
        # request builds several loaders): ``tests/content/test_load_all.py`` holds it to it.
        self.loop = asyncio.get_event_loop()
        self._queue = []
        self._primed = PrimedFutures(self.loop)
        self._cache = self._primed
        self.db, self.viewer, self.now, self.tags = db, viewer, now, tags
        self.scope = scope if scope is not None else RequestScope()
        batch = self.batch_load_fn

        async def scoped(keys: Any) -> Any:
            return await self.scope.run(batch, keys, self.name)

        self.batch_load_fn = scoped  # the per-instance wrapper aiodataloader calls

    def do_resolve_reject(self, key: K, future: asyncio.Future[V]) -> None:
        self.scope.watch(future)
        super().do_resolve_reject(key, future)

    def prime(self, key: K, value: V) -> RequestLoader[K, V]:
        """aiodataloader's ``prime`` (the first value primed or loaded for a key stays),
        without a future until a ``load`` asks for the key: a root query primes the loaders
        with what its rows carry for every item, and most of it is never loaded."""
        cache_key = self.get_cache_key(key)
        if cache_key not in self._primed:
            self._primed[cache_key] = Primed(value)
        return self

    async def load_all(self, keys: Sequence[K], *, alone: bool = False) -> list[V]:
        """``load_many``, without a future per key when it can: keys the cache holds all
        already (loaded or primed) are read as they are. ``alone``: the caller knows no other
        caller batches with it (a root field, which loads for its whole list at once), so
        keys none of which is cached or pending run the batch function here, once, and prime
        the cache with what it returned. Otherwise ``load_many``: the keys join the batch of
        every other caller of this tick (a nested list under each of many parents is still
        one statement)."""
        answered = self.answered(keys)
        if answered is not None:
            return answered
        if alone and len(set(keys)) == len(keys) and not any(self._has(k) for k in keys):
            values = list(await self.batch_load_fn(list(keys)))
            for key, value in zip(keys, values, strict=True):
                self.prime(key, value)
            return values
        return list(await self.load_many(keys))

    def _has(self, key: K) -> bool:
        return self.get_cache_key(key) in self._cache

    def answered(self, keys: Sequence[K]) -> list[V] | None:
        """The values of ``keys`` when the cache holds them all already (else ``None``)."""
        values = []
        peek = self._primed.peek
        for key in keys:
            found = peek(self.get_cache_key(key))
            if type(found) is Primed:
                if isinstance(found.value, Exception):
                    return None
                values.append(found.value)
            elif found is None or not _answered(found):
                return None
            else:
                values.append(found.result())
        return values


async def load_all_of(
    loaders: dict[str, Any],
    ids: Sequence[Any],
    keys: dict[str, Sequence[Any]] | None = None,
    *,
    alone: bool = False,
) -> dict[str, Any]:
    """``{name: loader.load_all(keys, alone=alone)}`` (the keys: ``ids`` unless ``keys``
    names others): what the loaders hold already is read as it is, the rest is loaded
    concurrently (one batch each)."""
    of = {name: (keys or {}).get(name, ids) for name in loaders}
    results = {name: loader.answered(of[name]) for name, loader in loaders.items()}
    todo = [name for name, value in results.items() if value is None]
    if len(todo) == 1:
        results[todo[0]] = await loaders[todo[0]].load_all(of[todo[0]], alone=alone)
    elif todo:
        loads = (loaders[name].load_all(of[name], alone=alone) for name in todo)
        found = await asyncio.gather(*loads)
        results.update(zip(todo, found, strict=True))
    return results


class Primed:
    """A primed value not asked for yet (``RequestLoader.prime``)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class PrimedFutures(dict[Any, Any]):
    """A loader's cache (aiodataloader's ``cache_map``: cache key -> future) that also holds
    ``Primed`` values and makes the future of one when it is first read, as
    ``DataLoader.prime`` would have made it at once (an exception is a failed future)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop

    def get(self, key: Any, default: Any = None) -> Any:
        found = dict.get(self, key, default)
        if type(found) is not Primed:
            return found
        future = self.loop.create_future()
        if isinstance(found.value, Exception):
            future.set_exception(found.value)
        else:
            future.set_result(found.value)
        self[key] = future
        return future

    def peek(self, key: Any) -> Any:
        """What the cache holds for ``key`` (a future, a ``Primed`` value or None), as is."""
        return dict.get(self, key)


def _answered(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


class ArticleByIdLoader(RequestLoader[int, Any]):
    """Articles the viewer may see, by id (``None`` when missing or not visible)."""

    async def batch_load_fn(self, ids: Sequence[int]) -> list[Any]:
        rows = await self.db.all(
            select(*ARTICLE_COLUMNS).where(
                article_t.c.id.in_(ids), article_visible(self.viewer, self.now)
            )
        )
        found = {r.id: r for r in rows}
        self.tags.articles(rows, self.now)
        for missing in set(ids) - found.keys():
            self.tags.missing("article", entity_id=missing)
        return [found.get(i) for i in ids]


class BodyByArticleIdLoader(RequestLoader[int, str | None]):
    """The body column, read only when a response asks for it."""

    async def batch_load_fn(self, ids: Sequence[int]) -> list[str | None]:
        rows = await self.db.all(
            select(article_t.c.id, article_t.c.body).where(article_t.c.id.in_(ids))
        )
        found = {r.id: r.body for r in rows}
        self.tags.entities("article", rows)
        return [found.get(i) for i in ids]


class EmailByAuthorIdLoader(RequestLoader[int, str | None]):
    """The private e-mail column, read only for viewers allowed to see it."""

    async def batch_load_fn(self, ids: Sequence[int]) -> list[str | None]:
        rows = await self.db.all(
            select(author_t.c.id, author_t.c.email).where(author_t.c.id.in_(ids))
        )
        found = {r.id: r.email for r in rows}
        return [found.get(i) for i in ids]


class _RowByIdLoader(RequestLoader[int, Any]):
    kind: ClassVar[str]

    async def batch_load_fn(self, ids: Sequence[int]) -> list[Any]:
        table, columns = TABLES[self.kind]
        rows = await self.db.all(select(*columns).where(table.c.id.in_(ids)))
        found = {r.id: r for r in rows}
        self.tags.entities(self.kind, rows)
        for missing in set(ids) - found.keys():
            self.tags.missing(self.kind, entity_id=missing)
        return [found.get(i) for i in ids]


class AuthorByIdLoader(_RowByIdLoader):
    kind = "author"


class CategoryByIdLoader(_RowByIdLoader):
    kind = "category"


class TagByIdLoader(_RowByIdLoader):
    kind = "tag"


class _LinkedByArticleIdLoader(RequestLoader[int, list[Any]]):
    """The ``kind`` rows linked to each article, in their stored (editorial) order."""

    kind: ClassVar[str]

    async def batch_load_fn(self, article_ids: Sequence[int]) -> list[list[Any]]:
        rows = await hot_reads.linked(self.db, self.kind, article_ids)
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[row.rel_article].append(row)
        self.tags.entities(self.kind, rows)
        return [grouped.get(i, []) for i in article_ids]


class LinksByArticleIdLoader(RequestLoader[int, dict[str, list[Any]]]):
    """Authors, categories and tags of each article in one statement: ``{kind: rows}``."""

    slim = False  # slim rows (``schema.content.slim``): SlimLinksByArticleIdLoader

    async def batch_load_fn(self, article_ids: Sequence[int]) -> list[dict[str, list[Any]]]:
        rows = await hot_reads.all_links(self.db, article_ids, slim=self.slim)
        grouped: dict[str, dict[int, list[Any]]] = {k: defaultdict(list) for k in ARTICLE_LINKS}
        for row in rows:
            grouped[row.rel_kind][row.rel_article].append(row)
        for kind, by_article in grouped.items():
            self.tags.entities(kind, [r for found in by_article.values() for r in found])
        return [{k: grouped[k].get(i, []) for k in ARTICLE_LINKS} for i in article_ids]


class SlimLinksByArticleIdLoader(LinksByArticleIdLoader):
    """``LinksByArticleIdLoader`` with slim rows: a loader of its own, so that a request never
    mixes them with full rows."""

    slim = True


class AuthorsByArticleIdLoader(_LinkedByArticleIdLoader):
    kind = "author"


class CategoriesByArticleIdLoader(_LinkedByArticleIdLoader):
    kind = "category"


class TagsByArticleIdLoader(_LinkedByArticleIdLoader):
    kind = "tag"


@dataclass(frozen=True, slots=True)
class ParentPage:
    """One page of the articles under a parent (an author, category or tag)."""

    kind: str
    parent_id: int
    size: int
    cursor: str | None = None
    backward: bool = False
    locale: str | None = None  # only articles in this locale


class ArticlesByParentLoader(RequestLoader[ParentPage, Page]):
    """Pages of visible articles under many parents: one window-function SELECT per distinct
    (kind, size, cursor, direction), so a list of authors with ``articles(first: 5)`` is one."""

    async def batch_load_fn(self, keys: Sequence[ParentPage]) -> list[Page]:
        Group = tuple[str, int, str | None, bool, str | None]
        groups: dict[Group, list[int]] = defaultdict(list)
        for k in keys:
            groups[(k.kind, k.size, k.cursor, k.backward, k.locale)].append(k.parent_id)
        pages: dict[ParentPage, Page] = {}
        for (kind, size, cursor, backward, locale), parent_ids in groups.items():
            args = PageArgs(size=size, cursor=cursor, backward=backward)
            found = await self._pages(kind, parent_ids, args, locale)
            for parent_id, page in found.items():
                pages[ParentPage(kind, parent_id, size, cursor, backward, locale)] = page
                self.tags.listing("article", kind, parent_id)
                self.tags.articles(page.rows, self.now)
        return [pages[k] for k in keys]

    async def _pages(
        self, kind: str, parent_ids: list[int], args: PageArgs, locale: str | None
    ) -> dict[int, Page]:
        link = ARTICLE_LINKS[kind]
        key = sort_key(None, None, self.viewer)
        rank = (
            func.row_number()
            .over(partition_by=link.parent_id, order_by=key.order_by(args.backward))
            .label("rel_rank")
        )
        inner = (
            select(
                link.parent_id.label("rel_parent"),
                *ARTICLE_COLUMNS,
                key.column.label("sort_value"),
                rank,
            )
            .select_from(article_t.join(link.table, link.table.c.article_id == article_t.c.id))
            .where(link.parent_id.in_(parent_ids), article_visible(self.viewer, self.now))
        )
        seek = key.seek(args)
        if seek is not None:
            inner = inner.where(seek)
        if locale is not None:
            inner = inner.where(article_t.c.locale == locale)
        sub = inner.subquery()
        rows = await self.db.all(
            select(sub)
            .where(sub.c.rel_rank <= args.size + 1)
            .order_by(sub.c.rel_parent, sub.c.rel_rank)
        )
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[row.rel_parent].append(row)
        return {
            parent_id: build_page(
                grouped.get(parent_id, []),
                args,
                lambda r: encode_cursor(key.name, r.sort_value, r.id),
            )
            for parent_id in parent_ids
        }


class ArticleCountByParentLoader(RequestLoader[tuple[str, int, str | None], int]):
    """How many visible articles each (kind, parent id, locale or None: all) has: one GROUP BY
    per kind and locale."""

    async def batch_load_fn(self, keys: Sequence[tuple[str, int, str | None]]) -> list[int]:
        by_kind: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        for kind, parent_id, locale in keys:
            by_kind[(kind, locale)].append(parent_id)
        found: dict[tuple[str, int, str | None], int] = {}
        for (kind, locale), parent_ids in by_kind.items():
            link = ARTICLE_LINKS[kind]
            stmt = (
                select(link.parent_id.label("parent"), func.count().label("n"))
                .select_from(link.table.join(article_t, article_t.c.id == link.table.c.article_id))
                .where(link.parent_id.in_(parent_ids), article_visible(self.viewer, self.now))
                .group_by(link.parent_id)
            )
            if locale is not None:
                stmt = stmt.where(article_t.c.locale == locale)
            rows = await self.db.all(stmt)
            found.update(((kind, r.parent, locale), int(r.n)) for r in rows)
            for parent_id in parent_ids:
                self.tags.listing("article", kind, parent_id)
        return [found.get(k, 0) for k in keys]


class ArticlesByTranslationGroupLoader(RequestLoader[str, list[Any]]):
    """Visible articles of each translation group (all locales), ordered by locale."""

    async def batch_load_fn(self, groups: Sequence[str]) -> list[list[Any]]:
        rows = await self.db.all(
            select(*ARTICLE_COLUMNS)
            .where(
                article_t.c.translation_group.in_(groups), article_visible(self.viewer, self.now)
            )
            .order_by(article_t.c.locale, article_t.c.id)
        )
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[row.translation_group].append(row)
        self.tags.articles(rows, self.now)
        self.tags.listing("article")  # a member published or moved changes the group
        return [grouped.get(g, []) for g in groups]
