"""URL patterns in both directions: entity -> canonical path (in Python and in SQL), and a
request path -> the entities it may name.

Patterns are settings such as ``/articles/{slug}`` or ``/{category}/{slug}`` (articles only);
articles in a non-default locale get a ``/<locale>`` prefix. The SQL form is built from the same
parsed pattern so sitemaps, feeds and the redirect checks agree with ``Site.path``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Formatter
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, String, case, cast, func, literal, select

from resolvers.models import article_category_t, category_t
from resolvers.site import UNCATEGORIZED, Site

if TYPE_CHECKING:
    from resolvers.content.loaders import Loaders

KINDS = ("article", "author", "category", "tag")
# A locale prefix such as /de or /pt-br (BCP 47 language plus optional subtags).
LOCALE_RE = r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*"


def _parts(pattern: str) -> list[tuple[str, str | None]]:
    return [(text, name) for text, name, _, _ in Formatter().parse(pattern)]


async def article_path(site: Site, loaders: Loaders, row: Any) -> str:
    """Canonical path of an article row; the primary category comes from a batched loader."""
    category = None
    if site.article_needs_category:
        categories = await loaders.categories_by_article_id.load(row.id)
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


def path_sql(site: Site, kind: str, table: Any) -> ColumnElement[str]:
    """The canonical path as a SQL expression over ``table`` (same rules as ``Site.path``)."""
    expr: ColumnElement[str] = cast(literal(""), String)
    for text, name in _parts(site.pattern(kind)):
        if text:
            expr = expr + literal(text, String)
        if name == "slug":
            expr = expr + table.c.slug
        elif name == "category":
            expr = expr + func.coalesce(primary_category_slug(table), UNCATEGORIZED)
    if kind == "article":
        prefix = case(
            (table.c.locale == site.default_locale, literal("", String)),
            else_=literal("/", String) + table.c.locale,
        )
        expr = prefix + expr
    return expr


@dataclass(frozen=True, slots=True)
class PathMatch:
    """One reading of a request path: ``kind`` named by ``slug`` (and maybe category/locale)."""

    kind: str
    slug: str
    category: str | None = None
    locale: str | None = None  # None: no prefix, i.e. the default locale


def _regex(pattern: str) -> str:
    out = []
    for text, name in _parts(pattern):
        out.append(re.escape(text))
        if name is not None:
            out.append(f"(?P<{name}>[^/]+)")
    return "".join(out)


def match_path(site: Site, path: str) -> list[PathMatch]:
    """Every pattern the (normalised, lower-case) path fits, most specific first.

    Specificity is the number of literal characters in the pattern, so ``/authors/{slug}`` is
    tried before a catch-all article pattern such as ``/{category}/{slug}``.
    """
    found: list[tuple[int, PathMatch]] = []
    for kind in KINDS:
        pattern = site.pattern(kind)
        literal_length = sum(len(text) for text, _ in _parts(pattern))
        body = _regex(pattern.lower())
        candidates = [(re.fullmatch(body, path), False)]
        if kind == "article":
            with_locale = re.fullmatch(f"/(?P<locale>{LOCALE_RE}){body}", path)
            candidates.append((with_locale, True))
        for match, prefixed in candidates:
            if match is None:
                continue
            groups = match.groupdict()
            locale = groups.get("locale") if prefixed else None
            weight = literal_length + (1 if prefixed else 0)
            found.append((weight, PathMatch(kind, groups["slug"], groups.get("category"), locale)))
    found.sort(key=lambda item: -item[0])
    return [m for _, m in found]
