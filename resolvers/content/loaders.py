"""Per-request dataloaders: one batch function per relation, one SELECT per batch.

Each batch function returns a list aligned with its keys: ``None`` for a missing to-one, ``[]``
for an empty to-many. Loaders are built per request (aiodataloader binds the running loop).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import Table, func, select, tuple_

from resolvers.access import Viewer, article_visible
from resolvers.content import hot_reads
from resolvers.content.articles import ARTICLE_COLUMNS, seo_meta_of, sort_key
from resolvers.seo.audit import duplicate_values
from resolvers.cache_tags import TagCollector
from resolvers.db import Database
from resolvers.content.directory import TABLES
from resolvers.models import (
    article_author_t,
    article_category_t,
    article_t,
    article_tag_t,
    author_t,
    redirect_t,
    seo_meta_t,
)
from resolvers.pagination import Page, PageArgs, build_page, encode_cursor
from resolvers.site import Site

# parent kind -> (link table, the link table's parent column, position column)
LINKS: dict[str, tuple[Table, Any]] = {
    "author": (article_author_t, article_author_t.c.author_id),
    "category": (article_category_t, article_category_t.c.category_id),
    "tag": (article_tag_t, article_tag_t.c.tag_id),
}

# relation kind -> the loader attribute it primes
LINK_LOADERS = {
    "author": "authors_by_article_id",
    "category": "categories_by_article_id",
    "tag": "tags_by_article_id",
}

# A nested page request: (parent id, page size, cursor, backward).
PageKey = tuple[int, int, str | None, bool]


class Loaders:
    """All loaders of one request. Names follow ``<target>_by_<key>``."""

    def __init__(
        self, db: Database, viewer: Viewer, now: datetime, tags: TagCollector | None = None
    ) -> None:
        self.db = db
        self.viewer = viewer
        self.now = now
        # Every batch records what it returned and what it did not find (issue 5).
        self.tags = tags if tags is not None else TagCollector()
        self.article_by_id = DataLoader(self._articles_by_id)
        self.body_by_article_id = DataLoader(self._bodies_by_article_id)
        self.author_by_id = DataLoader(partial(self._rows_by_id, "author"))
        self.category_by_id = DataLoader(partial(self._rows_by_id, "category"))
        self.tag_by_id = DataLoader(partial(self._rows_by_id, "tag"))
        self.authors_by_article_id = DataLoader(partial(self._linked, "author"))
        self.categories_by_article_id = DataLoader(partial(self._linked, "category"))
        self.tags_by_article_id = DataLoader(partial(self._linked, "tag"))
        self.links_by_article_id = DataLoader(self._all_links)
        self.seo_meta_by_entity = DataLoader(self._seo_meta)
        self.articles_by_author_id = DataLoader(partial(self._article_pages, "author"))
        self.articles_by_category_id = DataLoader(partial(self._article_pages, "category"))
        self.articles_by_tag_id = DataLoader(partial(self._article_pages, "tag"))
        self.article_count_by_author_id = DataLoader(partial(self._article_counts, "author"))
        self.article_count_by_category_id = DataLoader(partial(self._article_counts, "category"))
        self.article_count_by_tag_id = DataLoader(partial(self._article_counts, "tag"))
        # issue 3 (SEO): translations, redirects touching a path, duplicate titles/descriptions
        self.articles_by_translation_group = DataLoader(self._articles_by_translation_group)
        self.redirect_by_from_path = DataLoader(self._redirects_by_from_path)
        self.redirect_sources_by_to_path = DataLoader(self._redirect_sources_by_to_path)
        self.duplicates_by_field = DataLoader(self._duplicates)
        # issue 4: the private e-mail column, read only for viewers allowed to see it
        self.email_by_author_id = DataLoader(self._emails_by_author_id)

    def prime_extras(self, rows: Sequence[Any]) -> None:
        """Seed the body and SEO-override loaders from rows a root query read with extras."""
        for row in rows:
            fields = row._fields
            if "body" in fields:
                self.body_by_article_id.prime(row.id, row.body)
            elif "fallback_body" in fields and row.fallback_body is not None:
                self.body_by_article_id.prime(row.id, row.fallback_body)
            if "seo_id" in fields:
                self.seo_meta_by_entity.prime(("article", row.id), seo_meta_of(row))

    def articles_of(self, kind: str) -> DataLoader:
        return {
            "author": self.articles_by_author_id,
            "category": self.articles_by_category_id,
            "tag": self.articles_by_tag_id,
        }[kind]

    def article_count_of(self, kind: str) -> DataLoader:
        return {
            "author": self.article_count_by_author_id,
            "category": self.article_count_by_category_id,
            "tag": self.article_count_by_tag_id,
        }[kind]

    async def _articles_by_id(self, ids: Sequence[int]) -> list[Any]:
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

    async def _bodies_by_article_id(self, ids: Sequence[int]) -> list[str | None]:
        rows = await self.db.all(
            select(article_t.c.id, article_t.c.body).where(article_t.c.id.in_(ids))
        )
        found = {r.id: r.body for r in rows}
        self.tags.entities("article", rows)
        return [found.get(i) for i in ids]

    async def _emails_by_author_id(self, ids: Sequence[int]) -> list[str | None]:
        rows = await self.db.all(
            select(author_t.c.id, author_t.c.email).where(author_t.c.id.in_(ids))
        )
        found = {r.id: r.email for r in rows}
        return [found.get(i) for i in ids]

    async def _rows_by_id(self, kind: str, ids: Sequence[int]) -> list[Any]:
        table, columns = TABLES[kind]
        rows = await self.db.all(select(*columns).where(table.c.id.in_(ids)))
        found = {r.id: r for r in rows}
        self.tags.entities(kind, rows)
        for missing in set(ids) - found.keys():
            self.tags.missing(kind, entity_id=missing)
        return [found.get(i) for i in ids]

    async def _linked(self, kind: str, article_ids: Sequence[int]) -> list[list[Any]]:
        """Authors / categories / tags of each article, in their stored order."""
        rows = await hot_reads.linked(self.db, kind, article_ids)
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[row.rel_article].append(row)
        self.tags.entities(kind, rows)
        return [grouped.get(i, []) for i in article_ids]

    async def _all_links(self, article_ids: Sequence[int]) -> list[dict[str, list[Any]]]:
        """Authors, categories and tags of each article in one statement; the per-relation
        loaders are primed with them."""
        rows = await hot_reads.all_links(self.db, article_ids)
        grouped: dict[str, dict[int, list[Any]]] = {k: defaultdict(list) for k in LINK_LOADERS}
        for row in rows:
            grouped[row.rel_kind][row.rel_article].append(row)
        out: list[dict[str, list[Any]]] = [{} for _ in article_ids]
        for kind, attribute in LINK_LOADERS.items():
            self.tags.entities(kind, [r for rs in grouped[kind].values() for r in rs])
            loader = getattr(self, attribute)
            for i, article_id in enumerate(article_ids):
                found = grouped[kind].get(article_id, [])
                out[i][kind] = found
                loader.prime(article_id, found)
        return out

    async def _seo_meta(self, keys: Sequence[tuple[str, int]]) -> list[Any]:
        t = seo_meta_t
        rows = await self.db.all(
            select(t).where(tuple_(t.c.entity_type, t.c.entity_id).in_(list(keys)))
        )
        found = {(r.entity_type, r.entity_id): r for r in rows}
        for entity_type, entity_id in keys:
            self.tags.entity(entity_type, entity_id)
        return [found.get(k) for k in keys]

    async def _article_pages(self, kind: str, keys: Sequence[PageKey]) -> list[Page]:
        """Pages of articles under many parents: one window-function SELECT per distinct
        (size, cursor, direction), so a list of authors with ``articles(first: 5)`` is one."""
        link, parent_col = LINKS[kind]
        key = sort_key(None, None, self.viewer)
        groups: dict[tuple[int, str | None, bool], list[int]] = defaultdict(list)
        for parent_id, size, cursor, backward in keys:
            groups[(size, cursor, backward)].append(parent_id)
        pages: dict[PageKey, Page] = {}
        for (size, cursor, backward), parent_ids in groups.items():
            args = PageArgs(size=size, cursor=cursor, backward=backward)
            rank = (
                func.row_number()
                .over(partition_by=parent_col, order_by=key.order_by(backward))
                .label("rel_rank")
            )
            inner = (
                select(
                    parent_col.label("rel_parent"),
                    *ARTICLE_COLUMNS,
                    key.column.label("sort_value"),
                    rank,
                )
                .select_from(article_t.join(link, link.c.article_id == article_t.c.id))
                .where(parent_col.in_(parent_ids), article_visible(self.viewer, self.now))
            )
            seek = key.seek(args)
            if seek is not None:
                inner = inner.where(seek)
            sub = inner.subquery()
            rows = await self.db.all(
                select(sub)
                .where(sub.c.rel_rank <= size + 1)
                .order_by(sub.c.rel_parent, sub.c.rel_rank)
            )
            grouped: dict[int, list[Any]] = defaultdict(list)
            for row in rows:
                grouped[row.rel_parent].append(row)
            for parent_id in parent_ids:
                page = build_page(
                    grouped.get(parent_id, []),
                    args,
                    lambda r: encode_cursor(key.name, r.sort_value, r.id),
                )
                pages[(parent_id, size, cursor, backward)] = page
                self.tags.listing("article", kind, parent_id)
                self.tags.articles(page.rows, self.now)
        return [pages[k] for k in keys]

    async def _article_counts(self, kind: str, parent_ids: Sequence[int]) -> list[int]:
        link, parent_col = LINKS[kind]
        rows = await self.db.all(
            select(parent_col.label("parent"), func.count().label("n"))
            .select_from(link.join(article_t, article_t.c.id == link.c.article_id))
            .where(parent_col.in_(parent_ids), article_visible(self.viewer, self.now))
            .group_by(parent_col)
        )
        found = {r.parent: r.n for r in rows}
        for parent_id in parent_ids:
            self.tags.listing("article", kind, parent_id)
        return [int(found.get(i, 0)) for i in parent_ids]

    async def _articles_by_translation_group(self, groups: Sequence[str]) -> list[list[Any]]:
        """Visible articles of each translation group (all locales), ordered by locale."""
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

    async def _duplicates(self, keys: Sequence[tuple[str, Site]]) -> list[set[int]]:
        # Compares every public article: any article write may change the answer.
        self.tags.listing("article")
        return await duplicate_values(self.db, self.now, keys)

    async def _redirects_by_from_path(self, paths: Sequence[str]) -> list[Any]:
        rows = await self.db.all(select(redirect_t).where(redirect_t.c.from_path.in_(paths)))
        found = {r.from_path: r for r in rows}
        self.tags.listing("redirect")
        return [found.get(p) for p in paths]

    async def _redirect_sources_by_to_path(self, paths: Sequence[str]) -> list[list[Any]]:
        """Redirects that end at each path: ``from_path``, and ``via`` = the source of another
        redirect leading into it (a chain via -> from_path -> path), else None."""
        r, inner = redirect_t, redirect_t.alias("inner")
        rows = await self.db.all(
            select(r.c.from_path, r.c.to_path, inner.c.from_path.label("via"))
            .select_from(r.outerjoin(inner, inner.c.to_path == r.c.from_path))
            .where(r.c.to_path.in_(paths))
            .order_by(r.c.from_path, inner.c.from_path)
        )
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[row.to_path].append(row)
        self.tags.listing("redirect")
        return [grouped.get(p, []) for p in paths]
