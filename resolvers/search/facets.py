"""Facets of a search: how many of its hits each category, tag, author and year has. Counted
over the hits (at most ``SearchGate.candidates`` ids), so their cost is bounded too."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from resolvers.db import Database, as_utc
from resolvers.models import article_t
from resolvers.search.index import LINKS

MAX_VALUES = 20


@dataclass(frozen=True, slots=True)
class FacetValue:
    slug: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Facets:
    categories: list[FacetValue]
    tags: list[FacetValue]
    authors: list[FacetValue]
    years: list[tuple[int, int]]  # (year, count), newest year first


async def _counts(db: Database, kind: str, ids: list[int]) -> list[FacetValue]:
    link, key, table = LINKS[kind]
    count = func.count(link.c.article_id.distinct()).label("n")
    rows = await db.all(
        select(table.c.slug, table.c.name, count)
        .join(table, table.c.id == key)
        .where(link.c.article_id.in_(ids))
        .group_by(table.c.id, table.c.slug, table.c.name)
        .order_by(count.desc(), table.c.name, table.c.id)
        .limit(MAX_VALUES)
    )
    return [FacetValue(r.slug, r.name, int(r.n)) for r in rows]


async def search_facets(db: Database, ids: list[int]) -> Facets:
    """Counts per value, most frequent first (ties by name), at most 20 values each."""
    if not ids:
        return Facets([], [], [], [])
    dates = await db.all(select(article_t.c.published_at).where(article_t.c.id.in_(ids)))
    years: Counter[int] = Counter()
    for (published_at,) in dates:
        when = as_utc(published_at)
        if when is not None:
            years[when.year] += 1
    return Facets(
        categories=await _counts(db, "category", ids),
        tags=await _counts(db, "tag", ids),
        authors=await _counts(db, "author", ids),
        years=sorted(years.items(), reverse=True),
    )
