"""Routing: resolve a request path to content or an HTTP answer; stored redirects as data."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from resolvers.seo import routing
from resolvers.seo.loaders import prime_extras
from schema.content.nodes import Article, Author, Category, Tag
from schema.context import Info
from schema.permissions import IsEditor
from schema.relay import After, Before, Connection, First, Last
from schema.seo.archive import ArchivePage
from schema.seo.redirect_mutations import RedirectRule
from schema.seo.types import Site


@strawberry.enum(description="Why a path answers with a redirect.")
class RedirectReason(Enum):
    CANONICAL = strawberry.enum_value(
        "CANONICAL",
        description="The path spells existing content differently from its canonical path "
        "(case, slashes, encoding, an old category segment).",
    )
    STORED = strawberry.enum_value(
        "STORED", description="A redirect stored in the redirect table (e.g. an old slug)."
    )


@strawberry.type(description="Answer the request with an HTTP redirect to `location`.")
class Redirect:
    location: str = strawberry.field(
        description="Where to send the client: a site path (/articles/x) or an absolute URL. "
        "Never carries the request's query string."
    )
    url: str = strawberry.field(description="`location` as an absolute URL.")
    status_code: int = strawberry.field(description="301, 302, 307 or 308.")
    is_permanent: bool = strawberry.field(description="True for 301 and 308.")
    reason: RedirectReason = strawberry.field(description="Why the path redirects.")


@strawberry.type(description="Answer 410 Gone: the content at this path was deleted for good.")
class Gone:
    path: str = strawberry.field(description="The normalised path that was asked for.")
    status_code: int = strawberry.field(description="Always 410.")


@strawberry.type(description="Answer 404 Not Found (also for content the viewer may not see).")
class NotFound:
    path: str = strawberry.field(description="The normalised path that was asked for.")
    status_code: int = strawberry.field(description="Always 404.")


Route = Annotated[
    Article | Author | Category | Tag | Site | ArchivePage | Redirect | Gone | NotFound,
    strawberry.union(
        "Route",
        description="What a path is: content (render it with status 200; `Site` is the home "
        "page, `ArchivePage` a numbered or locale archive page such as /page/2 or /de), a "
        "Redirect, Gone (410) or NotFound (404).",
    ),
]


def _answer(answer: routing.RouteAnswer, path: str, info: Info) -> Route:
    site = info.context.site
    match answer.kind:
        case "home":
            return Site.current(info)
        case "article":
            loaders = info.context.loaders
            # read with its SEO overrides (resolvers.content.hot_reads.SPELLING_EXTRAS)
            prime_extras([answer.row], loaders.body_by_article_id, loaders.seo_meta_by_entity)
            return Article.from_row(answer.row, info)
        case "author":
            return Author.from_row(answer.row, info)
        case "category":
            return Category.from_row(answer.row, info)
        case "tag":
            return Tag.from_row(answer.row, info)
        case "archive":
            return ArchivePage.of(answer.row, info)
        case "redirect":
            location = answer.location or "/"
            return Redirect(
                location=location,
                url=site.absolute(location) if location.startswith("/") else location,
                status_code=answer.status,
                is_permanent=answer.status in routing.PERMANENT,
                reason=RedirectReason.CANONICAL
                if answer.source == "canonical"
                else RedirectReason.STORED,
            )
        case "gone":
            return Gone(path=path, status_code=410)
    return NotFound(path=path, status_code=404)


@strawberry.type
class RoutingQuery:
    @strawberry.field(
        description="Resolve a request path (or full URL) in one call: content, a redirect "
        "(canonical spelling or stored), Gone or NotFound. Query strings are ignored; drafts "
        "are NotFound unless the viewer may see them."
    )
    async def route(
        self,
        info: Info,
        path: Annotated[
            str, strawberry.argument(description="The request path, e.g. /articles/x?utm=1.")
        ],
        preview_token: Annotated[
            str | None,
            strawberry.argument(
                description="A token from `createPreviewToken`: that one unpublished article "
                "answers instead of NotFound. The response is `Cache-Control: private, no-store`."
            ),
        ] = None,
        archive_pages: Annotated[
            bool,
            strawberry.argument(
                description="Answer ArchivePage for the first page of archives too (/, /authors/x, "
                "/categories/x, /tags/x), so that every archive page has one shape with page "
                "totals and rel=next; false keeps Site, Author, Category and Tag for them."
            ),
        ] = False,
    ) -> Route:
        ctx = info.context
        viewer = ctx.viewer if preview_token is None else ctx.preview_viewer(preview_token)
        answer = await routing.resolve_route(
            ctx.db, ctx.site, viewer, ctx.now, path, ctx.tags, ctx.max_page_offset, archive_pages
        )
        return _answer(answer, routing.normalize_path(routing.request_path(path)), info)

    @strawberry.field(
        description="The stored redirect for a source path, or null. Editors only "
        "(others get FORBIDDEN).",
        permission_classes=[IsEditor],
    )
    async def redirect(
        self,
        info: Info,
        path: Annotated[str, strawberry.argument(description="Source path.")],
    ) -> RedirectRule | None:
        row = await routing.get_redirect(info.context.db, path)
        return RedirectRule.from_row(row) if row is not None else None

    @strawberry.field(
        description="All stored redirects, ordered by source path. Editors only "
        "(others get FORBIDDEN).",
        permission_classes=[IsEditor],
    )
    async def redirects(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[RedirectRule]:
        ctx = info.context
        page, count = await routing.list_redirects(ctx.db, ctx.page(first, after, last, before))
        return Connection.build(page, count, RedirectRule.from_row)
