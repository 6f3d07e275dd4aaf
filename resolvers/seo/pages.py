"""The page kinds of ``PageSeo``: home, article, author, category and tag."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any, ClassVar

from resolvers.content.locales.localized import (
    base_row,
    localize_rows,
    localized_path,
    row_locale,
)
from resolvers.db import as_utc
from resolvers.media.html import sized_rendition
from resolvers.seo import jsonld
from resolvers.seo.metadata import (
    AlternateData,
    Crumb,
    FeedLinkData,
    ImageData,
    OpenGraphData,
    PageSeo,
    entity_alternates,
    home_alternates,
    hreflang_alternates,
)
from resolvers.seo.paths import article_path
from resolvers.site import plain_text
from resolvers.visibility import PUBLIC

# Open Graph, Twitter and JSON-LD images of library assets: the allowed rendition width nearest
# 1200 px from above (1200 itself with the default widths, which list it for this), with its
# real width and height.
SOCIAL_IMAGE_WIDTH = 1200


async def asset_image(page: PageSeo, asset_id: int | None, alt: str | None) -> ImageData | None:
    """A library image as pages show it (None: no asset, or deleted meanwhile)."""
    if asset_id is None:
        return None
    asset = await page.loaders.media_asset_by_id.load(asset_id)
    if asset is None:
        return None
    sized = sized_rendition(asset, page.loaders.media_urls(), SOCIAL_IMAGE_WIDTH)
    return ImageData(sized.url, alt or asset.alt_text, sized.width, sized.height)


async def article_image(page: PageSeo, row: Any) -> ImageData | None:
    """An article's feature image: its asset's rendition, else the URL an editor typed."""
    found = await asset_image(page, row.feature_image_asset_id, row.feature_image_alt)
    if found is not None or not row.feature_image_url:
        return found
    return ImageData(
        row.feature_image_url,
        row.feature_image_alt,
        row.feature_image_width,
        row.feature_image_height,
    )


async def avatar_image(page: PageSeo, row: Any) -> ImageData | None:
    """An author's avatar: its asset's rendition, else the URL an editor typed."""
    found = await asset_image(page, row.avatar_asset_id, row.avatar_alt)
    if found is not None or not row.avatar_url:
        return found
    return ImageData(row.avatar_url, row.avatar_alt, row.avatar_width, row.avatar_height)


class HomeSeo(PageSeo):
    """The home page: the site itself. Its title is the site name, not templated."""

    async def title(self) -> str:
        return self.site.name

    async def own_json_ld(self) -> list[jsonld.LdThing]:
        publisher = self.publisher()
        website = jsonld.LdWebSite(
            name=self.site.name,
            url=self.site.home_url,
            publisher=publisher,
            description=self.site.description,
            in_language=self.site.default_locale,
        )
        return [website, publisher]

    async def alternates(self) -> list[AlternateData]:
        return home_alternates(self.site)


class ArticleSeo(PageSeo):
    kind: ClassVar[str] = "article"
    og_type: ClassVar[str] = "article"

    def name(self) -> str:
        return str(self.row.title)

    def summary(self) -> str | None:
        excerpt = self.row.excerpt
        return None if excerpt is None else str(excerpt)

    async def path(self) -> str:
        return await article_path(self.site, self.loaders.categories_by_article_id, self.row)

    def locale(self) -> str:
        return str(self.row.locale)

    async def own_image(self) -> ImageData | None:
        return await article_image(self, self.row)

    async def fallback_text(self) -> str | None:
        return await self.loaders.body_by_article_id.load(self.row.id)

    async def _in_locale(self, kind: str, rows: list[Any]) -> list[Any]:
        """An article's authors, categories or tags as it shows them: in its own locale."""
        loader = self.loaders.translation_by_entity_locale
        return await localize_rows(loader, self.site, kind, rows, [self.row.locale] * len(rows))

    async def authors(self) -> list[Any]:
        rows = await self.loaders.authors_by_article_id.load(self.row.id)
        return await self._in_locale("author", rows)

    async def primary_category(self) -> Any | None:
        categories = await self.loaders.categories_by_article_id.load(self.row.id)
        found = await self._in_locale("category", categories[:1])
        return found[0] if found else None

    async def tags(self) -> list[Any]:
        rows = await self.loaders.tags_by_article_id.load(self.row.id)
        return await self._in_locale("tag", rows)

    async def creator(self) -> str | None:
        authors = await self.authors()
        return authors[0].twitter if authors and authors[0].twitter else None

    async def trail(self) -> list[Crumb]:
        crumbs = []
        category = await self.primary_category()
        if category is not None:
            crumbs.append(Crumb(category.name, self.site.absolute(category_path(self, category))))
        crumbs.append(Crumb(self.name(), await self.url()))
        return crumbs

    async def open_graph(self) -> OpenGraphData:
        base = await super().open_graph()
        authors, category, tags = await asyncio.gather(
            self.authors(),
            self.primary_category(),
            self.tags(),
        )
        return replace(
            base,
            published_time=as_utc(self.row.published_at) if self.public else None,
            modified_time=as_utc(self.row.updated_at),
            authors=[self.site.absolute(localized_path(self.site, "author", a)) for a in authors],
            section=category.name if category is not None else None,
            tags=[t.name for t in tags],
        )

    async def alternates(self) -> list[AlternateData]:
        """hreflang links to the public, indexable translations (none on a non-public or
        noindex page)."""
        group = self.row.translation_group
        if not group or not (await self.robots()).index:
            return []
        now = self.loaders.articles_by_translation_group.now
        members = [
            r
            for r in await self.loaders.articles_by_translation_group.load(group)
            if PUBLIC.holds(r, now)
        ]
        metas = await self.loaders.seo_meta_by_entity.load_many(
            [("article", r.id) for r in members]
        )
        members = [r for r, m in zip(members, metas, strict=True) if m is None or m.robots_index]
        paths = await asyncio.gather(
            *(article_path(self.site, self.loaders.categories_by_article_id, r) for r in members)
        )
        found = [
            (r.id, r.locale, self.site.absolute(p)) for r, p in zip(members, paths, strict=True)
        ]
        return hreflang_alternates(self.site, found)

    async def own_json_ld(self) -> list[jsonld.LdThing]:
        row = self.row
        authors, category, tags, image = await asyncio.gather(
            self.authors(),
            self.primary_category(),
            self.tags(),
            self.image(),
        )
        avatars = await asyncio.gather(*(avatar_image(self, a) for a in authors))
        url = await self.canonical_url()
        article = jsonld.LdArticle(
            type=self.site.article_type,
            headline=self.name(),
            url=url,
            main_entity_of_page=url,
            publisher=self.publisher(),
            description=await self.description(),
            date_published=as_utc(row.published_at) if self.public else None,
            date_modified=as_utc(row.updated_at),
            authors=[person(self, a, i) for a, i in zip(authors, avatars, strict=True)],
            images=[jsonld.LdImage(image.url, image.width, image.height, image.alt)]
            if image is not None
            else [],
            in_language=row.locale,
            article_section=category.name if category is not None else None,
            keywords=[t.name for t in tags],
        )
        return [article]


def category_path(page: PageSeo, category: Any) -> str:
    return localized_path(page.site, "category", category)


def person(page: PageSeo, row: Any, image: ImageData | None) -> jsonld.LdPerson:
    """schema.org Person of an author row (never with the private e-mail)."""
    same_as = [u for u in (row.website,) if u]
    if row.twitter:
        same_as.append(f"https://x.com/{row.twitter.lstrip('@')}")
    bio = plain_text(row.bio) if row.bio else None
    return jsonld.LdPerson(
        name=row.name,
        url=page.site.absolute(localized_path(page.site, "author", row)),
        image=image.url if image is not None else None,
        description=bio or None,
        same_as=same_as,
    )


class AuthorSeo(PageSeo):
    kind: ClassVar[str] = "author"
    og_type: ClassVar[str] = "profile"
    summary_is_html: ClassVar[bool] = True  # the bio is rich text

    def name(self) -> str:
        return str(self.row.name)

    def summary(self) -> str | None:
        value = self.row.bio
        return None if value is None else str(value)

    async def path(self) -> str:
        return localized_path(self.site, "author", self.row)

    async def own_image(self) -> ImageData | None:
        return await avatar_image(self, self.row)

    async def creator(self) -> str | None:
        value = self.row.twitter
        return None if value is None else str(value)

    async def trail(self) -> list[Crumb]:
        return [Crumb(self.name(), await self.url())]

    async def own_json_ld(self) -> list[jsonld.LdThing]:
        return [person(self, self.row, await self.own_image())]

    def own_feeds(self) -> list[FeedLinkData]:
        return entity_feeds(self, "authors")

    async def alternates(self) -> list[AlternateData]:
        return await translated_alternates(self)


class TermSeo(PageSeo):
    """A category or tag listing page; ``kind`` is set per instance."""

    def __init__(self, kind: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind  # type: ignore[misc]  # per instance: category or tag

    def name(self) -> str:
        return str(self.row.name)

    def summary(self) -> str | None:
        value = self.row.description
        return None if value is None else str(value)

    async def path(self) -> str:
        return localized_path(self.site, self.kind, self.row)

    async def trail(self) -> list[Crumb]:
        return [Crumb(self.name(), await self.url())]

    async def own_json_ld(self) -> list[jsonld.LdThing]:
        page = jsonld.LdWebPage(
            type="CollectionPage",
            name=self.name(),
            url=await self.canonical_url(),
            description=await self.description(),
            in_language=self.locale(),
        )
        return [page]

    def own_feeds(self) -> list[FeedLinkData]:
        return entity_feeds(self, "categories" if self.kind == "category" else "tags")

    async def alternates(self) -> list[AlternateData]:
        return await translated_alternates(self)


async def translated_alternates(page: PageSeo) -> list[AlternateData]:
    """hreflang links between an author's or term's translations (``entity_alternates``);
    none on a noindex page, as for articles."""
    if not (await page.robots()).index:
        return []
    row = page.row
    translations = await page.loaders.translations_by_entity.load((page.kind, row.id))
    slug = base_row(row).slug
    return entity_alternates(page.site, page.kind, row.id, slug, page.locale(), translations)


def entity_feeds(page: PageSeo, segment: str) -> list[FeedLinkData]:
    """Feeds of one author, category or tag: /<segment>/<slug>/feed.xml and .atom, under
    ``/<locale>`` with the localized slug when the page is in another locale (that locale's
    articles and names)."""
    locale = row_locale(page.row)
    prefix = f"/{locale}" if locale is not None else ""
    base = page.site.absolute(f"{prefix}/{segment}/{page.row.slug}/feed")
    name = f"{page.site.name}: {page.name()}"
    return [
        FeedLinkData("application/rss+xml", f"{name} (RSS)", f"{base}.xml"),
        FeedLinkData("application/atom+xml", f"{name} (Atom)", f"{base}.atom"),
    ]
