"""Authors: the root queries (one author, the author list). The Author type is in
``schema.content.nodes``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.content import directory
from resolvers.errors import UserInputError
from schema.content.locales import (
    LocaleArg,
    chosen_locale,
    one_by_slug,
    one_in_locale,
    page_in_locale,
    translated_locale,
)
from schema.content.nodes import Author
from schema.context import Info
from schema.relay import After, Before, Connection, First, Last, from_global_id


@strawberry.type
class AuthorQuery:
    @strawberry.field(description="One author by slug or global ID.")
    async def author(
        self,
        info: Info,
        slug: Annotated[str | None, strawberry.argument(description="The author's slug.")] = None,
        id: Annotated[  # the contract names it `id`
            strawberry.ID | None, strawberry.argument(description="The author's global ID.")
        ] = None,
        locale: LocaleArg = None,
    ) -> Author | None:
        if slug is None and id is None:
            raise UserInputError("Pass `slug` or `id`.")
        loc = chosen_locale(info, locale)
        if id is not None:
            row = await directory.get_by_id(
                info.context.db, "author", from_global_id(id, "Author")[1], tags=info.context.tags
            )
            row = await one_in_locale(info, "author", row, loc)
            if row is not None and slug is not None and row.slug != slug:
                row = None
        else:
            row = await one_by_slug(info, "author", slug, loc)  # type: ignore[arg-type]  # not None: checked above
        return Author.from_row(row, info, loc) if row is not None else None

    @strawberry.field(
        description="All authors, ordered by name (in `locale`: the translated name, "
        "else the default locale's; Unicode collation)."
    )
    async def authors(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
        locale: LocaleArg = None,
    ) -> Connection[Author]:
        loc = chosen_locale(info, locale)
        page, count = await directory.list_by_name(
            info.context.db,
            "author",
            info.context.page(first, after, last, before),
            tags=info.context.tags,
            locale=translated_locale(info, loc),
        )
        page = await page_in_locale(info, "author", page, loc)
        return Connection.build(page, count, lambda row: Author.from_row(row, info, loc))
