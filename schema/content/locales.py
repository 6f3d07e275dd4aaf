"""The ``locale`` argument of lookups and lists, and how a node's locale is chosen.

One shape, as Contentful, Hygraph and Strapi have it: ``locale`` on the root lookups and lists
(``author(slug:, locale:)``, ``categories(locale:)``, ``articles(locale:)`` of an author), and
it cascades: what a node was loaded in (or, for an article's authors, categories and tags, the
article's own locale) is the default of everything nested under it. Without any, a request
that Accept-Language negotiated (only when GATEWAY_LOCALE_FROM_ACCEPT_LANGUAGE is on) uses that
locale; else the default locale's text, and lists are not filtered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import strawberry

from resolvers.content import directory
from resolvers.content.locales.localized import check_locale, find_by_localized_slug, localize_rows
from resolvers.errors import UserInputError
from resolvers.pagination import Page
from schema.context import Info

LOCALE_HELP = (
    "Language tag (one of the site's locales, GATEWAY_DEFAULT_LOCALE and GATEWAY_LOCALES): "
    "names, slugs, descriptions and paths in that locale, falling back to the default locale "
    "where there is no translation; nested fields inherit it. Unknown: UNKNOWN_LOCALE."
)
LIST_LOCALE_HELP = (
    "Only articles in this locale (one of the site's locales; UNKNOWN_LOCALE otherwise). "
    "Default: the locale of the enclosing author/category/tag, if it was given one."
)

LocaleArg = Annotated[str | None, strawberry.argument(description=LOCALE_HELP)]
ListLocaleArg = Annotated[str | None, strawberry.argument(description=LIST_LOCALE_HELP)]


def chosen_locale(info: Info, given: str | None, inherited: str | None = None) -> str | None:
    """The explicit argument (checked), else the enclosing node's, else the negotiated one."""
    if given is not None:
        return check_locale(info.context.site, given)
    if inherited is not None:
        return inherited
    return info.context.locale


def translated_locale(info: Info, locale: str | None) -> str | None:
    """``locale`` when it is one translations are kept for (not the default locale)."""
    return None if locale is None or locale == info.context.site.default_locale else locale


async def localized(
    info: Info, kind: str, rows: Sequence[Any], locales: Sequence[str | None]
) -> list[Any]:
    """``rows`` of ``kind`` each in the locale beside it (batched: one SELECT per kind)."""
    ctx = info.context
    return await localize_rows(
        ctx.loaders.translation_by_entity_locale, ctx.site, kind, rows, locales
    )


async def localized_lists(
    info: Info, kind: str, locales: Sequence[str], lists: Sequence[Sequence[Any]]
) -> list[list[Any]]:
    """Each list of ``kind`` rows (an article's authors, categories or tags) in the locale of
    its article: one batch for all of them, none when every article is in the default locale."""
    default = info.context.site.default_locale
    if all(loc == default for loc in locales):
        return [list(rows) for rows in lists]
    flat = [row for rows in lists for row in rows]
    flat_locales = [loc for loc, rows in zip(locales, lists, strict=True) for _ in rows]
    done = iter(await localized(info, kind, flat, flat_locales))
    return [[next(done) for _ in rows] for rows in lists]


async def one_by_slug(info: Info, kind: str, slug: str, locale: str | None) -> Any | None:
    """The author/category/tag whose slug in ``locale`` is ``slug`` (translated, or the base
    slug of one without a translation there); the default locale: base slugs only."""
    ctx = info.context
    if locale is None or locale == ctx.site.default_locale:
        return await directory.get_by_slug(ctx.db, kind, slug, ctx.tags)
    row = await find_by_localized_slug(ctx.db, ctx.site, kind, slug, locale)
    if row is None:
        ctx.tags.missing(kind, slug=slug)
    else:
        ctx.tags.entity(kind, row.id)
    return row


async def one_in_locale(info: Info, kind: str, row: Any | None, locale: str | None) -> Any | None:
    if row is None:
        return None
    return (await localized(info, kind, [row], [locale]))[0]


async def page_in_locale(info: Info, kind: str, page: Page, locale: str | None) -> Page:
    """A page of authors/categories/tags with each row in ``locale``."""
    if translated_locale(info, locale) is None or not page.rows:
        return page
    rows = await localized(info, kind, page.rows, [locale] * len(page.rows))
    return page.with_rows(rows)


ARTICLES_LOCALE_HELP = (
    "Only articles in this locale (one of the site's locales; UNKNOWN_LOCALE otherwise); the "
    "same as `filter.locale`, named as on every other list. Their authors, categories and tags "
    "are shown in it."
)
ArticlesLocaleArg = Annotated[str | None, strawberry.argument(description=ARTICLES_LOCALE_HELP)]
F = TypeVar("F")


def filter_in_locale(info: Info, flt: F, locale: str | None) -> F:
    """An article filter (a dataclass with ``locale``) with the list's ``locale`` argument, or
    the negotiated locale when neither names one."""
    given: str | None = getattr(flt, "locale", None)
    if locale is not None:
        loc = check_locale(info.context.site, locale)
        if given is not None and given != loc:
            raise UserInputError(f"`locale` ({loc}) and `filter.locale` ({given[:20]}) differ.")
        return dataclasses.replace(flt, locale=loc)  # type: ignore[type-var]  # F is a dataclass
    if given is None and info.context.locale is not None:
        return dataclasses.replace(flt, locale=info.context.locale)  # type: ignore[type-var]  # F is a dataclass
    return flt
