"""Canonical paths of entities, in Python (through a loader) and in SQL.

Patterns are settings such as ``/articles/{slug}`` or ``/{category}/{slug}`` (articles only);
articles in a non-default locale get a ``/<locale>`` prefix. The SQL form is built from the same
parsed pattern (``resolvers.seo.patterns``) so sitemaps, feeds and the redirect checks agree
with ``Site.path``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, case, cast, func, literal, select

from resolvers.content.loaders import CategoriesByArticleIdLoader
from resolvers.models import article_category_t, category_t
from resolvers.seo.patterns import parts
from resolvers.site import UNCATEGORIZED, Site


async def article_path(site: Site, categories_of: CategoriesByArticleIdLoader, row: Any) -> str:
    """Canonical path of an article row; the primary category comes from a batched loader."""
    categories = await categories_of.load(row.id) if site.article_needs_category else None
    return article_path_with(site, row, categories)


def article_path_with(site: Site, row: Any, categories: Sequence[Any] | None) -> str:
    """Canonical path of an article row given its categories (read only when the site's
    article pattern names the category; ``None`` otherwise)."""
    category = categories[0].slug if categories else None
    return site.path("article", row.slug, row.locale, category)


def primary_category_select(article_id: int) -> Any:
    """SELECT the slug of one article's primary (first) category."""
    link, cat = article_category_t, category_t
    return (
        select(cat.c.slug)
        .select_from(link.join(cat, cat.c.id == link.c.category_id))
        .where(link.c.article_id == article_id)
        .order_by(link.c.position, cat.c.id)
        .limit(1)
    )


def primary_category_slug(article_table: Any) -> Any:
    """Correlated scalar subquery: the slug of the article's first category (or NULL)."""
    link, cat = article_category_t, category_t
    return (
        select(cat.c.slug)
        .select_from(link.join(cat, cat.c.id == link.c.category_id))
        .where(link.c.article_id == article_table.c.id)
        .order_by(link.c.position, cat.c.id)
        .limit(1)
        .scalar_subquery()
    )


def path_sql(site: Site, kind: str, table: Any, slug: Any = None) -> ColumnElement[str]:
    """The canonical path as a SQL expression over ``table`` (same rules as ``Site.path``);
    ``slug``: another slug expression than ``table.c.slug`` (a translated one)."""
    expr: ColumnElement[str] = cast(literal(""), String)
    for text, name in parts(site.pattern(kind)):
        if text:
            expr = expr + literal(text, String)
        if name == "slug":
            expr = expr + (table.c.slug if slug is None else slug)
        elif name == "category":
            expr = expr + func.coalesce(primary_category_slug(table), UNCATEGORIZED)
    if kind == "article":
        prefix = case(
            (table.c.locale == site.default_locale, literal("", String)),
            else_=literal("/", String) + table.c.locale,
        )
        expr = prefix + expr
    return expr
