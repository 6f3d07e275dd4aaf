"""Articles: the root queries (one article, article lists) with their filter and order inputs.
The Article type itself is in ``schema.content.nodes``."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from resolvers.content import articles as article_queries
from resolvers.content import hot_reads
from resolvers.errors import UserInputError
from resolvers.seo.loaders import prime_extras
from schema.common import OrderDirection, utc_instant
from schema.content.locales import ArticlesLocaleArg, filter_in_locale
from schema.content.nodes import Article, article_connection, prefetch_articles
from schema.content.prefetch import field_relations, item_relations, root_extras
from schema.content.slim import slim_document
from schema.context import Info
from schema.relay import (
    After,
    Before,
    Connection,
    First,
    Last,
    from_global_id,
    number_pages,
    numbered_or_cursor,
)


@strawberry.enum(description="What to order articles by.")
class ArticleOrderField(Enum):
    PUBLISHED_AT = strawberry.enum_value("PUBLISHED_AT", description="Publication time.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="Last modification time.")
    TITLE = strawberry.enum_value("TITLE", description="Title, alphabetically.")
    RELEVANCE = strawberry.enum_value(
        "RELEVANCE",
        description="Best match first (title before excerpt before body, newer first among "
        "equals); only with a `search`, where it is the default.",
    )


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
        default=None,
        description="Full-text search in title, excerpt, body text and the names of the "
        'article\'s authors, categories and tags: words (all must match), "exact phrase", '
        "-exclude, a OR b, prefix*. Stemmed in the article's language; case and accents "
        "are ignored. See docs/search.md.",
    )
    locale: str | None = strawberry.field(
        default=None, description="Only articles in this locale (e.g. `de`)."
    )


def _aware(value: datetime | None, name: str) -> datetime | None:
    return utc_instant(value, name)


def to_filter(f: ArticleFilter | None) -> article_queries.ArticleFilter:
    """The API filter as the data layer's filter (time zones checked)."""
    f = f or ArticleFilter()
    return article_queries.ArticleFilter(
        author_slug=f.author_slug,
        category_slug=f.category_slug,
        tag_slug=f.tag_slug,
        published_after=_aware(f.published_after, "publishedAfter"),
        published_before=_aware(f.published_before, "publishedBefore"),
        search=f.search,
        locale=f.locale,
    )


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
            locale=locale if locale is not None else ctx.locale,
            default_locale=ctx.site.default_locale,
            extras=root_extras(relations),
            tags=ctx.tags,
            slim=slim_document(info),
        )
        if row is None:
            return None
        prime_extras([row], ctx.loaders.body_by_article_id, ctx.loaders.seo_meta_by_entity)
        article = Article.from_row(row, info)
        # The page's relations in bulk (authors, categories and tags in one statement).
        await prefetch_articles(info, [article], relations, root=True)
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
        page_number: Annotated[
            int | None,
            strawberry.argument(
                name="page",
                description="Page number (from 1) for archive pages, instead of cursors; "
                "`pageInfo` then tells `page perPage totalPages totalCount`. A page past the "
                "last is NOT_FOUND; pages deeper than GATEWAY_MAX_PAGE_OFFSET rows are refused.",
            ),
        ] = None,
        per_page: Annotated[
            int | None,
            strawberry.argument(description="Items per numbered page; default as `first`."),
        ] = None,
        locale: ArticlesLocaleArg = None,
    ) -> Connection[Article]:
        ctx = info.context
        args = numbered_or_cursor(ctx, page_number, per_page, first, after, last, before)
        flt = filter_in_locale(info, to_filter(filter), locale)
        field = order_by.field.name if order_by else None
        direction = order_by.direction if order_by else None
        page, count = await hot_reads.list_articles(
            ctx.db,
            ctx.viewer,
            ctx.now,
            flt,
            field,
            None if direction is None else direction is OrderDirection.DESC,
            args,
            extras=root_extras(item_relations(info)),
            tags=ctx.tags,
            gate=ctx.search_gate,
            slim=slim_document(info),
        )
        connection = await article_connection(info, page, count, root=True)
        if page_number is not None:
            await number_pages(connection, page_number, args.size, count)
        return connection
