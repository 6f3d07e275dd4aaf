"""Categories and tags: the root queries. The Category and Tag types (both terms that group
articles) are in ``schema.content.nodes``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.content import directory
from schema.content.locales import (
    LocaleArg,
    chosen_locale,
    one_by_slug,
    page_in_locale,
    translated_locale,
)
from schema.content.nodes import Category, Tag
from schema.context import Info
from schema.relay import After, Before, Connection, First, Last


@strawberry.type
class TaxonomyQuery:
    @strawberry.field(description="One category by slug.")
    async def category(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The category's slug (in `locale`).")],
        locale: LocaleArg = None,
    ) -> Category | None:
        loc = chosen_locale(info, locale)
        row = await one_by_slug(info, "category", slug, loc)
        return Category.from_row(row, info, loc) if row is not None else None

    @strawberry.field(
        description="All categories, ordered by name (in `locale`: the translated name, "
        "else the default locale's; Unicode collation)."
    )
    async def categories(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
        locale: LocaleArg = None,
    ) -> Connection[Category]:
        loc = chosen_locale(info, locale)
        page, count = await directory.list_by_name(
            info.context.db,
            "category",
            info.context.page(first, after, last, before),
            tags=info.context.tags,
            locale=translated_locale(info, loc),
        )
        page = await page_in_locale(info, "category", page, loc)
        return Connection.build(page, count, lambda row: Category.from_row(row, info, loc))

    @strawberry.field(description="One tag by slug.")
    async def tag(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The tag's slug (in `locale`).")],
        locale: LocaleArg = None,
    ) -> Tag | None:
        loc = chosen_locale(info, locale)
        row = await one_by_slug(info, "tag", slug, loc)
        return Tag.from_row(row, info, loc) if row is not None else None

    @strawberry.field(
        description="All tags, ordered by name (in `locale`: the translated name, "
        "else the default locale's; Unicode collation)."
    )
    async def tags(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
        locale: LocaleArg = None,
    ) -> Connection[Tag]:
        loc = chosen_locale(info, locale)
        page, count = await directory.list_by_name(
            info.context.db,
            "tag",
            info.context.page(first, after, last, before),
            tags=info.context.tags,
            locale=translated_locale(info, loc),
        )
        page = await page_in_locale(info, "tag", page, loc)
        return Connection.build(page, count, lambda row: Tag.from_row(row, info, loc))
