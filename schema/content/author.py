"""Authors: the Author type, its connection and root queries."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers.access import may_see_private_author_fields
from resolvers.content import directory
from resolvers.errors import UserInputError
from resolvers.seo.pages import AuthorSeo
from schema.common import Audited, Image
from schema.content.article import Article, related_articles
from schema.context import Info
from schema.relay import After, Before, Connection, First, Last, Node, from_global_id, to_global_id
from schema.seo.types import Seo


@strawberry.type(description="A person who writes articles.")
class Author(Node, Audited):
    id: strawberry.ID = strawberry.field(description="Opaque global ID (Relay).")
    database_id: int = strawberry.field(description="Numeric primary key in the database.")
    slug: str = strawberry.field(description="URL-safe name, unique.")
    name: str = strawberry.field(description="Display name.")
    bio: str | None = strawberry.field(description="Short biography (HTML).")
    avatar: Image | None = strawberry.field(description="Portrait, if any.")
    website: str | None = strawberry.field(description="Personal website URL.")
    twitter: str | None = strawberry.field(description="Twitter/X handle without @.")
    path: str = strawberry.field(description="Path of the author page, e.g. /authors/x.")
    url: str = strawberry.field(description="Absolute URL of the author page.")
    row: strawberry.Private[Any]
    version: int = strawberry.field(
        description="Grows with every change; send it as `expectedVersion` when updating."
    )

    @classmethod
    def from_row(cls, row: Any, info: Info) -> Author:
        site = info.context.site
        path = site.path("author", row.slug)
        return cls(
            id=to_global_id("Author", row.id),
            database_id=row.id,
            slug=row.slug,
            name=row.name,
            bio=row.bio,
            avatar=Image.maybe(row.avatar_url, row.avatar_alt, row.avatar_width, row.avatar_height),
            website=row.website,
            twitter=row.twitter,
            path=path,
            url=site.absolute(path),
            row=row,
            version=row.version,
            created_by_label=row.created_by,
            updated_by_label=row.updated_by,
        )

    @strawberry.field(
        description="Private e-mail address: visible to editors, admins and the author "
        "themself; null for everyone else."
    )
    async def email(self, info: Info) -> str | None:
        if not may_see_private_author_fields(info.context.viewer, self.database_id):
            return None
        return await info.context.loaders.email_by_author_id.load(self.database_id)

    @strawberry.field(description="This author's published articles, newest first.")
    async def articles(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Article]:
        return await related_articles(info, "author", self.database_id, first, after, last, before)

    @strawberry.field(description="SEO metadata for the author page.")
    def seo(self, info: Info) -> Seo:
        return Seo(page=AuthorSeo(info.context.site, info.context.loaders, self.row))


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
    ) -> Author | None:
        if slug is None and id is None:
            raise UserInputError("Pass `slug` or `id`.")
        db = info.context.db
        if id is not None:
            row = await directory.get_by_id(
                db, "author", from_global_id(id, "Author")[1], tags=info.context.tags
            )
            if row is not None and slug is not None and row.slug != slug:
                row = None
        else:
            row = await directory.get_by_slug(
                db,
                "author",
                slug,  # type: ignore[arg-type]  # not None: checked above
                tags=info.context.tags,
            )
        return Author.from_row(row, info) if row is not None else None

    @strawberry.field(description="All authors, ordered by name.")
    async def authors(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Author]:
        page, count = await directory.list_by_name(
            info.context.db,
            "author",
            info.context.page(first, after, last, before),
            tags=info.context.tags,
        )
        return Connection.build(page, count, lambda row: Author.from_row(row, info))
