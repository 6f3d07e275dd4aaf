"""Categories and tags: both are terms that group articles."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers.content import directory
from resolvers.seo.pages import TermSeo
from schema.common import Audited
from schema.content.article import Article, related_articles
from schema.context import Info
from schema.relay import After, Before, Connection, First, Last, Node, to_global_id
from schema.seo.types import Seo


@strawberry.interface(description="A category or tag: a named group of articles.")
class Term(Node, Audited):
    id: strawberry.ID = strawberry.field(description="Opaque global ID (Relay).")
    database_id: int = strawberry.field(description="Numeric primary key in the database.")
    slug: str = strawberry.field(description="URL-safe name, unique.")
    name: str = strawberry.field(description="Display name.")
    description: str | None = strawberry.field(description="What the group is about.")
    path: str = strawberry.field(description="Path of the listing page.")
    url: str = strawberry.field(description="Absolute URL of the listing page.")
    kind: strawberry.Private[str]
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any, info: Info) -> Any:
        kind = cls.__name__.lower()
        site = info.context.site
        path = site.path(kind, row.slug)
        return cls(
            id=to_global_id(cls.__name__, row.id),
            database_id=row.id,
            slug=row.slug,
            name=row.name,
            description=row.description,
            path=path,
            url=site.absolute(path),
            kind=kind,
            row=row,
            created_by_label=row.created_by,
            updated_by_label=row.updated_by,
        )

    @strawberry.field(description="Published articles in this group, newest first.")
    async def articles(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Article]:
        return await related_articles(info, self.kind, self.database_id, first, after, last, before)

    @strawberry.field(description="SEO metadata for the listing page.")
    def seo(self, info: Info) -> Seo:
        return Seo(page=TermSeo(self.kind, info.context.site, info.context.loaders, self.row))


@strawberry.type(description="A section of the site; an article may be in several.")
class Category(Term):
    pass


@strawberry.type(description="A keyword; an article may carry several.")
class Tag(Term):
    pass


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
