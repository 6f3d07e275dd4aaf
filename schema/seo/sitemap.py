"""The sitemap as data: the same entries as /sitemap.xml, for front ends that build their own."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from resolvers.content.locales.localized import check_locale
from resolvers.pagination import PageArgs, build_page, decode_cursor, encode_cursor
from resolvers.seo import sitemaps
from schema.common import utc_instant
from schema.context import Info
from schema.media.image import Image
from schema.relay import Connection
from schema.seo.types import Alternate

ORDER = "SITEMAP"
RANKS = {"home": 0, **{kind: rank for rank, kind in enumerate(sitemaps.KINDS, start=1)}}


@strawberry.enum(description="What a sitemap entry is.")
class SitemapEntryKind(Enum):
    HOME = strawberry.enum_value("HOME", description="The home page.")
    ARTICLE = strawberry.enum_value("ARTICLE", description="An article.")
    AUTHOR = strawberry.enum_value("AUTHOR", description="An author page.")
    CATEGORY = strawberry.enum_value("CATEGORY", description="A category listing.")
    TAG = strawberry.enum_value("TAG", description="A tag listing.")


@strawberry.type(description="One URL of the sitemap: public, indexable, canonical.")
class SitemapEntry:
    kind: SitemapEntryKind = strawberry.field(description="What the URL shows.")
    loc: str = strawberry.field(description="Absolute canonical URL.")
    lastmod: datetime | None = strawberry.field(description="Last modification of the page.")
    alternates: list[Alternate] = strawberry.field(
        description="hreflang alternates (with x-default); empty without translations."
    )
    images: list[Image] = strawberry.field(
        description="Images on the page: the feature image (or avatar) and the library images "
        "its body names."
    )

    @classmethod
    def of(cls, e: sitemaps.SitemapEntry) -> SitemapEntry:
        return cls(
            kind=SitemapEntryKind[e.kind.upper()],
            loc=e.loc,
            lastmod=e.lastmod,
            alternates=[Alternate(hreflang=a.hreflang, url=a.url) for a in e.alternates],
            images=[
                Image(source_url=i.url, own_alt=i.alt, own_width=i.width, own_height=i.height)
                for i in e.images
            ],
        )


@strawberry.type
class SitemapQuery:
    @strawberry.field(
        description="Sitemap entries in a stable order (home, articles, authors, categories, "
        "tags; each by id). With changedSince, only entries modified after it."
    )
    async def sitemap(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="Page size (default 10, max 100).")
        ] = 10,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor of the previous page's end.")
        ] = None,
        changed_since: Annotated[
            datetime | None,
            strawberry.argument(description="Only entries with lastmod after this instant."),
        ] = None,
        locale: Annotated[
            str | None,
            strawberry.argument(
                description="Only that locale's entries (as /sitemaps/<locale>/... has them): "
                "its home, its articles, and the authors/categories/tags with a public article "
                "in it at their localized paths. One of the site's locales (UNKNOWN_LOCALE)."
            ),
        ] = None,
    ) -> Connection[SitemapEntry]:
        ctx = info.context
        locale = check_locale(ctx.site, locale)
        changed_since = utc_instant(changed_since, "changedSince")
        args = ctx.page(first, after)
        position = None
        if args.cursor is not None:
            position = decode_cursor(args.cursor, ORDER, int)
        for kind in sitemaps.KINDS:  # the sitemap shows everything public: any write may change it
            ctx.tags.listing(kind)
        entries = await sitemaps.page(
            ctx.db,
            ctx.site,
            ctx.now,
            position,
            args.size + 1,
            changed_since,
            media=ctx.media_urls(),
            locale=locale,
        )
        page = build_page(
            entries,
            PageArgs(args.size, args.cursor, backward=False),
            lambda e: encode_cursor(ORDER, RANKS[e.kind], e.id),
        )

        async def count() -> int:
            return await sitemaps.count(ctx.db, ctx.site, ctx.now, changed_since, locale)

        return Connection.build(page, count, SitemapEntry.of)
