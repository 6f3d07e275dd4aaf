"""SEO metadata types (everything a front end needs for the <head>) and the `site` root field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import TypeVar

import strawberry

from resolvers.seo.audit import Finding
from resolvers.seo.metadata import ImageData, PageSeo, Robots, SeoBasics
from resolvers.seo.pages import HomeSeo
from schema.common import Image, MaybeAwaitable
from schema.context import Info
from schema.seo.jsonld import JsonLdNode, convert

T = TypeVar("T")


def _image(data: ImageData | None) -> Image | None:
    if data is None:
        return None
    return Image(url=data.url, alt=data.alt, width=data.width, height=data.height)


@strawberry.type(description="Open Graph tags (og:*, article:*) with fallbacks applied.")
class OpenGraph:
    title: str = strawberry.field(
        description="og:title: the override, else the meta title, else the bare title."
    )
    description: str | None = strawberry.field(
        description="og:description: the override, else the meta description."
    )
    type: str = strawberry.field(description="og:type: article, profile or website.")
    url: str = strawberry.field(description="og:url: the canonical URL.")
    site_name: str = strawberry.field(description="og:site_name.")
    locale: str = strawberry.field(
        description="og:locale as language_TERRITORY, e.g. en_US or de_AT."
    )
    image: Image | None = strawberry.field(
        description="og:image: the override, else the feature image / avatar, else the "
        "site's default image."
    )
    published_time: datetime | None = strawberry.field(
        description="article:published_time (public articles only)."
    )
    modified_time: datetime | None = strawberry.field(description="article:modified_time.")
    authors: list[str] = strawberry.field(description="article:author: author page URLs.")
    section: str | None = strawberry.field(description="article:section: primary category.")
    tags: list[str] = strawberry.field(description="article:tag: tag names.")


@strawberry.type(description="Twitter/X card tags with fallbacks to Open Graph.")
class TwitterCard:
    card: str = strawberry.field(
        description="twitter:card: summary_large_image with an image, else summary."
    )
    site: str | None = strawberry.field(description="twitter:site: @handle of the site.")
    creator: str | None = strawberry.field(description="twitter:creator: @handle of the author.")
    title: str = strawberry.field(description="twitter:title.")
    description: str | None = strawberry.field(description="twitter:description.")
    image: Image | None = strawberry.field(description="twitter:image (and image:alt).")


@strawberry.type(description="One step of a breadcrumb trail.")
class Breadcrumb:
    name: str = strawberry.field(description="Label.")
    url: str = strawberry.field(description="Absolute URL.")


@strawberry.type(description="A <link rel=alternate hreflang> to a translation of the page.")
class Alternate:
    hreflang: str = strawberry.field(description="Language tag, or x-default.")
    url: str = strawberry.field(description="Absolute URL of that language's page.")


@strawberry.type(description="A <link rel=alternate> to an RSS or Atom feed.")
class FeedLink:
    type: str = strawberry.field(description="application/rss+xml or application/atom+xml.")
    title: str = strawberry.field(description="Feed title.")
    url: str = strawberry.field(description="Absolute feed URL.")


@strawberry.type(description="Search-engine metadata for one page, with fallbacks applied.")
class Seo:
    page: strawberry.Private[PageSeo]
    # Precomputed for list items (schema/prefetch.py): the common fields then resolve
    # synchronously; without it each field awaits the page's rules.
    basics: strawberry.Private[SeoBasics | None] = None

    @strawberry.field(
        description="The <title>: the explicit meta title, else the entity's title in the "
        "site's title template (GATEWAY_SEO_TITLE_TEMPLATE).",
        graphql_type=str,
    )
    def title(self) -> MaybeAwaitable[str]:
        if self.basics is not None:
            return self.basics.title
        return self.page.title()

    @strawberry.field(
        description="Meta description: explicit, else the excerpt, else the body's text cut "
        "at a word boundary (at most 160 characters).",
        graphql_type=str | None,
    )
    def description(self) -> MaybeAwaitable[str | None]:
        if self.basics is not None:
            return self.basics.description
        return self.page.description()

    @strawberry.field(
        description="Absolute canonical URL: the override, else the page's URL.", graphql_type=str
    )
    def canonical_url(self) -> MaybeAwaitable[str]:
        if self.basics is not None:
            return self.basics.canonical_url
        return self.page.canonical_url()

    @strawberry.field(
        description='Robots directives, e.g. "index, follow, max-image-preview:large". '
        "Anything not public is noindex.",
        graphql_type=str,
    )
    def robots(self) -> MaybeAwaitable[str]:
        if self.basics is not None:
            return self.basics.robots.directives
        return self._robots(lambda r: r.directives)

    @strawberry.field(
        description="True when search engines must not index the page.", graphql_type=bool
    )
    def noindex(self) -> MaybeAwaitable[bool]:
        if self.basics is not None:
            return not self.basics.robots.index
        return self._robots(lambda r: not r.index)

    @strawberry.field(
        description="True when links on the page must not be followed.", graphql_type=bool
    )
    def nofollow(self) -> MaybeAwaitable[bool]:
        if self.basics is not None:
            return not self.basics.robots.follow
        return self._robots(lambda r: not r.follow)

    async def _robots(self, pick: Callable[[Robots], T]) -> T:
        return pick(await self.page.robots())

    @strawberry.field(description="Open Graph tags.")
    async def open_graph(self) -> OpenGraph:
        og = await self.page.open_graph()
        return OpenGraph(
            title=og.title,
            description=og.description,
            type=og.type,
            url=og.url,
            site_name=og.site_name,
            locale=og.locale,
            image=_image(og.image),
            published_time=og.published_time,
            modified_time=og.modified_time,
            authors=og.authors,
            section=og.section,
            tags=og.tags,
        )

    @strawberry.field(description="Twitter/X card tags.")
    async def twitter(self) -> TwitterCard:
        tw = await self.page.twitter()
        return TwitterCard(
            card=tw.card,
            site=tw.site,
            creator=tw.creator,
            title=tw.title,
            description=tw.description,
            image=_image(tw.image),
        )

    @strawberry.field(description="The page's JSON-LD graph as typed objects.")
    async def json_ld(self) -> list[JsonLdNode]:
        return [convert(thing) for thing in await self.page.json_ld()]

    @strawberry.field(
        description='JSON-LD to put verbatim inside <script type="application/ld+json">: '
        "the editor's override if valid, else the graph of `jsonLd`. <, >, & and U+2028/9 "
        "are \\u-escaped, so it cannot close the script element."
    )
    async def json_ld_script(self) -> str:
        return await self.page.json_ld_script()

    @strawberry.field(description="Breadcrumb trail from the home page to this page.")
    async def breadcrumbs(self) -> list[Breadcrumb]:
        return [Breadcrumb(name=c.name, url=c.url) for c in await self.page.breadcrumbs()]

    @strawberry.field(
        description="hreflang alternates: every public, indexable translation including this "
        "page, plus x-default; empty when there is no translation."
    )
    async def alternates(self) -> list[Alternate]:
        return [Alternate(hreflang=a.hreflang, url=a.url) for a in await self.page.alternates()]

    @strawberry.field(
        description="rel=prev: absolute URL of the previous page of a numbered archive page "
        "(null on page 1 and on pages that are not archive pages)."
    )
    async def prev_url(self) -> str | None:
        return await self.page.prev_url()

    @strawberry.field(
        description="rel=next: absolute URL of the next page of a numbered archive page (null "
        "on the last page served, and on pages that are not archive pages)."
    )
    async def next_url(self) -> str | None:
        return await self.page.next_url()

    @strawberry.field(description="RSS and Atom feeds to announce on this page.")
    def feeds(self) -> list[FeedLink]:
        return [FeedLink(type=f.type, title=f.title, url=f.url) for f in self.page.feeds()]


@strawberry.enum(description="How much an SEO finding matters.")
class SeoSeverity(Enum):
    ERROR = strawberry.enum_value("ERROR", description="Breaks search appearance; fix it.")
    WARNING = strawberry.enum_value("WARNING", description="Hurts search appearance.")
    INFO = strawberry.enum_value("INFO", description="Worth knowing.")


@strawberry.type(description="One problem found by the SEO audit.")
class SeoFinding:
    code: str = strawberry.field(
        description="Stable code: TITLE_MISSING, TITLE_TOO_LONG, DESCRIPTION_MISSING, "
        "DESCRIPTION_TOO_SHORT, DESCRIPTION_TOO_LONG, DUPLICATE_TITLE, DUPLICATE_DESCRIPTION, "
        "IMAGE_ALT_MISSING, CANONICAL_ELSEWHERE, NOINDEX_PUBLISHED, JSON_LD_INVALID, "
        "PATH_REDIRECTED, REDIRECT_CHAIN, SLUG_NOT_SPEAKING."
    )
    severity: SeoSeverity = strawberry.field(description="How much it matters.")
    message: str = strawberry.field(description="What is wrong, for people.")

    @classmethod
    def of(cls, finding: Finding) -> SeoFinding:
        return cls(
            code=finding.code, severity=SeoSeverity[finding.severity], message=finding.message
        )


@strawberry.type(description="The site: its name, base URL and the home page's SEO.")
class Site:
    name: str = strawberry.field(description="Site name (GATEWAY_SITE_NAME).")
    url: str = strawberry.field(description="Base URL (GATEWAY_SITE_URL), no trailing slash.")
    description: str | None = strawberry.field(description="GATEWAY_SITE_DESCRIPTION.")
    locale: str = strawberry.field(description="Default locale (GATEWAY_DEFAULT_LOCALE).")
    page: strawberry.Private[PageSeo]

    @classmethod
    def current(cls, info: Info) -> Site:
        site = info.context.site
        return cls(
            name=site.name,
            url=site.url,
            description=site.description,
            locale=site.default_locale,
            page=HomeSeo(site, info.context.loaders),
        )

    @strawberry.field(description="SEO metadata of the home page.")
    def seo(self) -> Seo:
        return Seo(page=self.page)


@strawberry.type
class SiteQuery:
    @strawberry.field(description="The site and its home page's SEO metadata.")
    def site(self, info: Info) -> Site:
        return Site.current(info)
