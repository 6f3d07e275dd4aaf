"""Articles: the Article type, its connection, filter and order inputs, and root queries."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from resolvers.content import articles as article_queries
from resolvers.content import hot_reads
from resolvers.content.loaders import ParentPage
from resolvers.db import as_utc
from resolvers.errors import UserInputError
from resolvers.seo.audit import audit_article
from resolvers.seo.loaders import prime_extras
from resolvers.seo.pages import ArticleSeo
from resolvers.seo.paths import article_path
from resolvers.visibility import PUBLIC
from schema.common import Audited, Image, OrderDirection
from schema.content.prefetch import field_relations, item_relations, prefetch_articles, root_extras
from schema.context import Info
from schema.relay import After, Before, Connection, First, Last, Node, from_global_id, to_global_id
from schema.seo.types import Seo, SeoFinding

if TYPE_CHECKING:
    from schema.content.author import Author
    from schema.content.taxonomy import Category, Tag

AuthorT = Annotated["Author", strawberry.lazy("schema.content.author")]
CategoryT = Annotated["Category", strawberry.lazy("schema.content.taxonomy")]
TagT = Annotated["Tag", strawberry.lazy("schema.content.taxonomy")]


@strawberry.enum(description="Editorial state of an article.")
class ArticleStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being written; never public.")
    SCHEDULED = strawberry.enum_value(
        "SCHEDULED", description="Published with a future publishedAt; public from then on."
    )
    PUBLISHED = strawberry.enum_value("PUBLISHED", description="Public.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Withdrawn; no longer public.")


@strawberry.type(description="A piece of published (or, for editors, unpublished) content.")
class Article(Node, Audited):
    id: strawberry.ID = strawberry.field(description="Opaque global ID (Relay).")
    database_id: int = strawberry.field(description="Numeric primary key in the database.")
    slug: str = strawberry.field(description="URL-safe name, unique per locale.")
    title: str = strawberry.field(description="Headline.")
    excerpt: str | None = strawberry.field(description="Short summary (plain text).")
    status: ArticleStatus = strawberry.field(description="Editorial state.")
    published_at: datetime | None = strawberry.field(
        description="When it is (or becomes) public; null for drafts."
    )
    updated_at: datetime = strawberry.field(description="Last modification time.")
    created_at: datetime = strawberry.field(description="Creation time.")
    reading_time_minutes: int = strawberry.field(description="Estimated reading time.")
    locale: str = strawberry.field(description="Language tag, e.g. en or de.")
    feature_image: Image | None = strawberry.field(description="Lead image, if any.")
    version: int = strawberry.field(
        description="Grows with every change; send it as `expectedVersion` when updating."
    )
    public: strawberry.Private[bool]
    row: strawberry.Private[Any]
    loaded: strawberry.Private[dict[str, Any]] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Any, info: Info) -> Article:
        ctx = info.context
        published_at = as_utc(row.published_at)
        status = PUBLIC.state(row.status, published_at, ctx.now).upper()
        public = PUBLIC.holds(row, ctx.now)
        return cls(
            id=to_global_id("Article", row.id),
            database_id=row.id,
            slug=row.slug,
            title=row.title,
            excerpt=row.excerpt,
            status=ArticleStatus[status],
            published_at=published_at,
            updated_at=as_utc(row.updated_at),  # type: ignore[arg-type]
            created_at=as_utc(row.created_at),  # type: ignore[arg-type]
            reading_time_minutes=row.reading_time_minutes,
            locale=row.locale,
            feature_image=Image.maybe(
                row.feature_image_url,
                row.feature_image_alt,
                row.feature_image_width,
                row.feature_image_height,
            ),
            version=row.version,
            public=public,
            row=row,
            created_by_label=row.created_by,
            updated_by_label=row.updated_by,
        )

    @strawberry.field(
        description="Canonical path on the site, e.g. /articles/x (GATEWAY_ARTICLE_PATH)."
    )
    def path(self, info: Info) -> str:
        site = info.context.site
        if not site.article_needs_category:
            return site.path("article", self.slug, self.locale)
        return self._category_path(info)  # type: ignore[return-value]

    async def _category_path(self, info: Info) -> str:
        return await article_path(
            info.context.site, info.context.loaders.categories_by_article_id, self.row
        )

    @strawberry.field(description="Absolute canonical URL.")
    def url(self, info: Info) -> str:
        site = info.context.site
        if not site.article_needs_category:
            return site.absolute(site.path("article", self.slug, self.locale))
        return self._category_url(info)  # type: ignore[return-value]

    async def _category_url(self, info: Info) -> str:
        return info.context.site.absolute(await self._category_path(info))

    def _relation(self, info: Info, name: str) -> Any:
        """What a relation field returns: the prefetched value, or an awaitable loading it."""
        if name in self.loaded:
            return self.loaded[name]
        return self._load(info, name)

    async def _load(self, info: Info, name: str) -> Any:
        await prefetch_articles(info, [self], {name})
        return self.loaded[name]

    @strawberry.field(description="Full body as sanitised HTML (read only when selected).")
    def body(self, info: Info) -> str:
        return self._relation(info, "body")  # type: ignore[no-any-return]

    @strawberry.field(description="The primary (first) author.")
    def author(self, info: Info) -> AuthorT:
        authors = self._relation(info, "authors")
        if isinstance(authors, list):
            return authors[0]  # type: ignore[no-any-return]
        return self._first(authors)  # type: ignore[return-value]

    @staticmethod
    async def _first(pending: Awaitable[list[Any]]) -> Any:
        return (await pending)[0]

    @strawberry.field(description="All authors in byline order; the first is the primary.")
    def authors(self, info: Info) -> list[AuthorT]:
        return self._relation(info, "authors")  # type: ignore[no-any-return]

    @strawberry.field(description="Categories in their editorial order.")
    def categories(self, info: Info) -> list[CategoryT]:
        return self._relation(info, "categories")  # type: ignore[no-any-return]

    @strawberry.field(description="Tags in their editorial order.")
    def tags(self, info: Info) -> list[TagT]:
        return self._relation(info, "tags")  # type: ignore[no-any-return]

    @strawberry.field(description="SEO metadata for this article's page.")
    def seo(self, info: Info) -> Seo:
        if "seo" in self.loaded:
            return self.loaded["seo"]  # type: ignore[no-any-return]
        ctx = info.context
        return Seo(page=ArticleSeo(ctx.site, ctx.loaders, self.row, self.public))

    @strawberry.field(
        description="Other-language versions of this article (same translation group) that "
        "the viewer may see, ordered by locale."
    )
    async def translations(self, info: Info) -> list[Article]:
        group = self.row.translation_group
        if not group:
            return []
        rows = await info.context.loaders.articles_by_translation_group.load(group)
        return [Article.from_row(r, info) for r in rows if r.id != self.database_id]

    @strawberry.field(
        description="SEO problems of this article: title/description length, duplicates, "
        "missing alt text, canonical elsewhere, noindex, redirects, slug."
    )
    async def seo_audit(self, info: Info) -> list[SeoFinding]:
        ctx = info.context
        findings = await audit_article(ctx.site, ctx.loaders, self.row, self.public)
        return [SeoFinding.of(f) for f in findings]


async def article_connection(
    info: Info, page: Any, count: Callable[[], Awaitable[int]]
) -> Connection[Article]:
    """A connection of articles whose selected relations are loaded in bulk."""
    loaders = info.context.loaders
    prime_extras(page.rows, loaders.body_by_article_id, loaders.seo_meta_by_entity)
    connection = Connection.build(page, count, lambda row: Article.from_row(row, info))
    await prefetch_articles(info, connection.nodes, item_relations(info))
    return connection


@strawberry.enum(description="What to order articles by.")
class ArticleOrderField(Enum):
    PUBLISHED_AT = strawberry.enum_value("PUBLISHED_AT", description="Publication time.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="Last modification time.")
    TITLE = strawberry.enum_value("TITLE", description="Title, alphabetically.")


@strawberry.input(description="Article ordering. Default: newest first (relevance for search).")
class ArticleOrder:
    field: ArticleOrderField = strawberry.field(description="Sort key.")
    direction: OrderDirection | None = strawberry.field(
        default=None, description="Direction; default DESC for times, ASC for TITLE."
    )


@strawberry.input(description="Narrow an article list; all given conditions must hold.")
class ArticleFilter:
    author_slug: str | None = strawberry.field(default=None, description="By author's slug.")
    category_slug: str | None = strawberry.field(default=None, description="By category slug.")
    tag_slug: str | None = strawberry.field(default=None, description="By tag slug.")
    published_after: datetime | None = strawberry.field(
        default=None, description="Published strictly after this time (ISO-8601 with zone)."
    )
    published_before: datetime | None = strawberry.field(
        default=None, description="Published strictly before this time (ISO-8601 with zone)."
    )
    search: str | None = strawberry.field(
        default=None, description="Full-text search in title, excerpt and body."
    )


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise UserInputError(f"`{name}` needs a time zone, e.g. 2026-01-31T09:00:00Z.")
    return as_utc(value)


@strawberry.type
class ArticleQuery:
    @strawberry.field(
        description="One article by slug or global ID; published only, for anonymous viewers."
    )
    async def article(
        self,
        info: Info,
        slug: Annotated[
            str | None, strawberry.argument(description="The article's slug (with `locale`).")
        ] = None,
        id: Annotated[  # the contract names it `id`
            strawberry.ID | None, strawberry.argument(description="The article's global ID.")
        ] = None,
        locale: Annotated[
            str | None,
            strawberry.argument(description="Locale of the slug; default: the site's locale."),
        ] = None,
        preview_token: Annotated[
            str | None,
            strawberry.argument(
                description="A token from `createPreviewToken`: also shows that one unpublished "
                "article (and no other). The response is `Cache-Control: private, no-store`."
            ),
        ] = None,
    ) -> Article | None:
        if slug is None and id is None:
            raise UserInputError("Pass `slug` or `id`.")
        ctx = info.context
        viewer = ctx.viewer if preview_token is None else ctx.preview_viewer(preview_token)
        relations = field_relations(info)
        row = await hot_reads.get_article(
            ctx.db,
            viewer,
            ctx.now,
            slug=slug,
            article_id=from_global_id(id, "Article")[1] if id is not None else None,
            locale=locale,
            default_locale=ctx.site.default_locale,
            extras=root_extras(relations),
            tags=ctx.tags,
        )
        if row is None:
            return None
        prime_extras([row], ctx.loaders.body_by_article_id, ctx.loaders.seo_meta_by_entity)
        article = Article.from_row(row, info)
        # The page's relations in bulk (authors, categories and tags in one statement).
        await prefetch_articles(info, [article], relations)
        return article

    @strawberry.field(description="Articles, newest first unless ordered otherwise.")
    async def articles(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[  # the contract names it `filter`
            ArticleFilter | None,
            strawberry.argument(description="Only articles matching all given conditions."),
        ] = None,
        order_by: Annotated[
            ArticleOrder | None,
            strawberry.argument(description="Sort order; default newest first."),
        ] = None,
    ) -> Connection[Article]:
        ctx = info.context
        f = filter or ArticleFilter()
        flt = article_queries.ArticleFilter(
            author_slug=f.author_slug,
            category_slug=f.category_slug,
            tag_slug=f.tag_slug,
            published_after=_aware(f.published_after, "publishedAfter"),
            published_before=_aware(f.published_before, "publishedBefore"),
            search=f.search,
        )
        field = order_by.field.name if order_by else None
        direction = order_by.direction if order_by else None
        page, count = await hot_reads.list_articles(
            ctx.db,
            ctx.viewer,
            ctx.now,
            flt,
            field,
            None if direction is None else direction is OrderDirection.DESC,
            ctx.page(first, after, last, before),
            extras=root_extras(item_relations(info)),
            tags=ctx.tags,
        )
        return await article_connection(info, page, count)


async def related_articles(
    info: Info,
    kind: str,
    parent_id: int,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[Article]:
    """The visible articles of an author, category or tag: batched across parents."""
    ctx = info.context
    args = ctx.page(first, after, last, before)
    page = await ctx.loaders.articles_by_parent.load(
        ParentPage(kind, parent_id, args.size, args.cursor, args.backward)
    )

    async def count() -> int:
        return await ctx.loaders.article_count_by_parent.load((kind, parent_id))

    return await article_connection(info, page, count)
