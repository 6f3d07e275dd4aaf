"""Categories and tags: the root queries. The Category and Tag types (both terms that group
articles) are in ``schema.content.nodes``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.content import directory
from schema.content.nodes import Category, Tag
from schema.context import Info
from schema.relay import After, Before, Connection, First, Last


@strawberry.type
class TaxonomyQuery:
    @strawberry.field(description="One category by slug.")
    async def category(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The category's slug.")],
    ) -> Category | None:
        row = await directory.get_by_slug(info.context.db, "category", slug, info.context.tags)
        return Category.from_row(row, info) if row is not None else None

    @strawberry.field(description="All categories, ordered by name.")
    async def categories(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Category]:
        page, count = await directory.list_by_name(
            info.context.db,
            "category",
            info.context.page(first, after, last, before),
            tags=info.context.tags,
        )
        return Connection.build(page, count, lambda row: Category.from_row(row, info))

    @strawberry.field(description="One tag by slug.")
    async def tag(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The tag's slug.")],
    ) -> Tag | None:
        row = await directory.get_by_slug(info.context.db, "tag", slug, info.context.tags)
        return Tag.from_row(row, info) if row is not None else None

    @strawberry.field(description="All tags, ordered by name.")
    async def tags(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Tag]:
        page, count = await directory.list_by_name(
            info.context.db,
            "tag",
            info.context.page(first, after, last, before),
            tags=info.context.tags,
        )
        return Connection.build(page, count, lambda row: Tag.from_row(row, info))
