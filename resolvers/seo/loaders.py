"""Dataloaders of the SEO domain: overrides per entity, redirects touching a path, duplicate
titles and descriptions among public articles (one GROUP BY per field).

Named ``<Target>By<Key>Loader`` like the content loaders they build on (``RequestLoader``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, and_, cast, func, literal, or_, select

from resolvers.cache_tags import ENTITY_KINDS
from resolvers.content.articles import seo_meta_of
from resolvers.content.loaders import BodyByArticleIdLoader, RequestLoader
from resolvers.db import Database
from resolvers.hot.driver import HotStatement, id_in
from resolvers.models import article_t, redirect_t, seo_meta_t
from resolvers.site import Site
from resolvers.visibility import PUBLIC

EntityKey = tuple[str, int]


# The kinds of entity an SEO override belongs to (``seo_meta.entity_type``): every entity kind.
SEO_ENTITY_TYPES = ENTITY_KINDS


def _seo_meta_of(is_sqlite: bool) -> Select[Any]:
    """One statement for every kind: per kind a list of ids (a parameter each, empty when the
    batch has none), each a seek on the (entity_type, entity_id) unique index. A row-value IN
    over (type, id) pairs would scan the whole table on SQLite."""
    t = seo_meta_t
    return select(t).where(
        or_(
            *(
                and_(t.c.entity_type == kind, id_in(t.c.entity_id, kind, is_sqlite))
                for kind in SEO_ENTITY_TYPES
            )
        )
    )


SEO_META = HotStatement("seo-meta", _seo_meta_of)


class SeoMetaByEntityLoader(RequestLoader[EntityKey, Any]):
    """The SEO override row of each (entity type, id), or ``None``."""

    async def batch_load_fn(self, keys: Sequence[EntityKey]) -> list[Any]:
        ids: dict[str, list[int]] = {kind: [] for kind in SEO_ENTITY_TYPES}
        for entity_type, entity_id in keys:
            ids[entity_type].append(entity_id)
        rows = await SEO_META.all(self.db, **ids)
        found = {(r.entity_type, r.entity_id): r for r in rows}
        for entity_type, entity_id in keys:
            self.tags.entity(entity_type, entity_id)
        return [found.get(k) for k in keys]


def _rendered_title(site: Site) -> Any:
    """SQL form of ``seo.effective_title``: explicit meta title, else the templated title."""
    template = site.title_template or f"%s | {site.name}"
    pieces = template.split("%s")
    rendered: Any = cast(literal(pieces[0]), String)
    for piece in pieces[1:]:
        rendered = rendered + article_t.c.title + literal(piece, String)
    return func.coalesce(func.nullif(seo_meta_t.c.meta_title, ""), rendered)


async def duplicate_values(
    db: Database, now: datetime, keys: Sequence[tuple[str, Site]]
) -> list[set[int]]:
    """Ids of public articles whose rendered title (key "title") or explicit/excerpt
    description (key "description") is shared with another public article."""
    results: list[set[int]] = []
    for field, site in keys:
        m = seo_meta_t
        if field == "title":
            value = _rendered_title(site)
        else:
            value = func.coalesce(
                func.nullif(m.c.meta_description, ""), func.nullif(article_t.c.excerpt, "")
            )
        public = (
            select(article_t.c.id, value.label("v"))
            .select_from(
                article_t.outerjoin(
                    m, and_(m.c.entity_type == "article", m.c.entity_id == article_t.c.id)
                )
            )
            .where(PUBLIC.sql(now))
            .cte(f"public_{field}")
        )
        shared = (
            select(public.c.v)
            .where(public.c.v.is_not(None))
            .group_by(public.c.v)
            .having(func.count() > 1)
        )
        rows = await db.all(select(public.c.id).where(public.c.v.in_(shared)))
        results.append({r.id for r in rows})
    return results


class DuplicatesByFieldLoader(RequestLoader[tuple[str, Site], set[int]]):
    """Ids of public articles sharing their rendered title / description with another."""

    async def batch_load_fn(self, keys: Sequence[tuple[str, Site]]) -> list[set[int]]:
        # Compares every public article: any article write may change the answer.
        self.tags.listing("article")
        return await duplicate_values(self.db, self.now, keys)


class RedirectByFromPathLoader(RequestLoader[str, Any]):
    """The stored redirect whose source is each path, or ``None``."""

    async def batch_load_fn(self, paths: Sequence[str]) -> list[Any]:
        rows = await self.db.all(select(redirect_t).where(redirect_t.c.from_path.in_(paths)))
        found = {r.from_path: r for r in rows}
        self.tags.listing("redirect")
        return [found.get(p) for p in paths]


class RedirectSourcesByToPathLoader(RequestLoader[str, list[Any]]):
    """Redirects that end at each path: ``from_path``, and ``via`` = the source of another
    redirect leading into it (a chain via -> from_path -> path), else None."""

    async def batch_load_fn(self, paths: Sequence[str]) -> list[list[Any]]:
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


def prime_extras(
    rows: Sequence[Any], bodies: BodyByArticleIdLoader, seo_meta: SeoMetaByEntityLoader
) -> None:
    """Seed the body and SEO-override loaders from rows a root query read with extras."""
    columns: tuple[str, ...] = ()
    for row in rows:
        if row._fields is not columns:  # the rows of one statement share their columns
            columns = row._fields
            body, fallback, seo = "body" in columns, "fallback_body" in columns, "seo_id" in columns
        if body:
            bodies.prime(row.id, row.body)
        elif fallback and row.fallback_body is not None:
            bodies.prime(row.id, row.fallback_body)
        if seo:
            seo_meta.prime(("article", row.id), seo_meta_of(row))
