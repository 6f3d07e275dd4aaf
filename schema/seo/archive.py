"""ArchivePage: what `route` answers for a numbered archive page (/page/7,
/categories/x/page/3) and for a locale's home and archive pages (/de, /de/categories/x)."""

from __future__ import annotations

from enum import Enum

import strawberry

from resolvers.seo.archives.pages import Archive, archive_articles
from resolvers.seo.archives.seo import ArchiveSeo
from schema.content.nodes import Article, Author, Category, Tag, article_connection
from schema.content.prefetch import item_relations, root_extras
from schema.context import Info
from schema.relay import Connection
from schema.seo.types import Seo


@strawberry.enum(description="Which articles an archive page lists.")
class ArchiveKind(Enum):
    HOME = strawberry.enum_value("HOME", description="All articles of the locale (the home page).")
    CATEGORY = strawberry.enum_value("CATEGORY", description="The articles of one category.")
    TAG = strawberry.enum_value("TAG", description="The articles of one tag.")
    AUTHOR = strawberry.enum_value("AUTHOR", description="The articles of one author.")


@strawberry.type(
    description="One page of an archive (the home page, a category, tag or author) in one "
    "locale: its articles with page totals, and its SEO with rel=prev/next."
)
class ArchivePage:
    kind: ArchiveKind = strawberry.field(description="What the archive lists.")
    locale: str = strawberry.field(description="The archive's locale, e.g. en or de.")
    page: int = strawberry.field(description="This page's number, from 1.")
    total_pages: int = strawberry.field(description="How many pages the archive has (>= 1).")
    path: str = strawberry.field(description="Canonical path of this page, e.g. /page/7.")
    url: str = strawberry.field(description="`path` as an absolute URL.")
    archive: strawberry.Private[Archive]

    @classmethod
    def of(cls, archive: Archive, info: Info) -> ArchivePage:
        return cls(
            kind=ArchiveKind[archive.kind.upper()],
            locale=archive.locale,
            page=archive.page,
            total_pages=archive.pages,
            path=archive.path,
            url=info.context.site.absolute(archive.path),
            archive=archive,
        )

    @strawberry.field(description="The category of a CATEGORY archive (else null).")
    def category(self, info: Info) -> Category | None:
        return Category.from_row(self.archive.subject, info) if self._is("category") else None

    @strawberry.field(description="The tag of a TAG archive (else null).")
    def tag(self, info: Info) -> Tag | None:
        return Tag.from_row(self.archive.subject, info) if self._is("tag") else None

    @strawberry.field(description="The author of an AUTHOR archive (else null).")
    def author(self, info: Info) -> Author | None:
        return Author.from_row(self.archive.subject, info) if self._is("author") else None

    def _is(self, kind: str) -> bool:
        return self.archive.kind == kind and self.archive.subject is not None

    @strawberry.field(
        description="The page's articles, newest first (GATEWAY_ARCHIVE_PAGE_SIZE per page); "
        "`pageInfo` tells `page perPage totalPages totalCount`."
    )
    async def articles(self, info: Info) -> Connection[Article]:
        ctx = info.context
        archive = self.archive
        extras = root_extras(item_relations(info))
        page, count = await archive_articles(ctx.db, ctx.now, archive, extras, ctx.tags)
        connection = await article_connection(info, page, count)
        page_info = connection.page_info
        page_info.page, page_info.per_page = archive.page, archive.per_page
        page_info.total_pages, page_info.total_count = archive.pages, archive.total
        return connection

    @strawberry.field(
        description="SEO of this page: its own canonical URL, `prevUrl`/`nextUrl`, and a "
        "numbered title from page 2 (GATEWAY_SEO_PAGED_TITLE_TEMPLATE)."
    )
    def seo(self, info: Info) -> Seo:
        return Seo(page=ArchiveSeo(info.context.site, info.context.loaders, self.archive))
