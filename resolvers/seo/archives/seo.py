"""SEO of an archive page (``/page/7``, ``/de/categories/x/page/3``): the archive's own page
(home, author, category or tag) with the page's canonical URL, rel=prev/next links and a
numbered title."""

from __future__ import annotations

from resolvers.seo import jsonld
from resolvers.seo.archives.pages import HOME, Archive
from resolvers.seo.metadata import (
    AlternateData,
    Crumb,
    FeedLinkData,
    ImageData,
    PageReads,
    PageSeo,
    Robots,
    effective_title,
)
from resolvers.seo.pages import AuthorSeo, HomeSeo, TermSeo
from resolvers.site import Site


def subject_seo(site: Site, loaders: PageReads, archive: Archive) -> PageSeo:
    """The SEO of the archive's first page in the default locale (what page 1 answers)."""
    if archive.kind == HOME:
        return HomeSeo(site, loaders)
    if archive.kind == "author":
        return AuthorSeo(site, loaders, archive.subject)
    return TermSeo(archive.kind, site, loaders, archive.subject)


class ArchiveSeo(PageSeo):
    """Page ``archive.page`` of an archive. Its canonical URL is its own (each page of a
    series is canonical for itself); names, images and feeds are the archive's."""

    def __init__(self, site: Site, loaders: PageReads, archive: Archive) -> None:
        subject = subject_seo(site, loaders, archive)
        super().__init__(site, loaders, archive.subject)
        self.archive = archive
        self.subject = subject
        self.kind = subject.kind  # type: ignore[misc]  # per instance: the archive's kind
        self.summary_is_html = subject.summary_is_html  # type: ignore[misc]  # as above

    def name(self) -> str:
        return self.subject.name()

    def summary(self) -> str | None:
        return self.subject.summary()

    async def path(self) -> str:
        return self.archive.path

    def locale(self) -> str:
        return self.archive.locale

    async def own_image(self) -> ImageData | None:
        return await self.subject.own_image()

    async def creator(self) -> str | None:
        return await self.subject.creator()

    def own_feeds(self) -> list[FeedLinkData]:
        return self.subject.own_feeds()

    async def title(self) -> str:
        """Page 1: the archive's title; later pages number it (GATEWAY_SEO_PAGED_TITLE_TEMPLATE)
        inside the site's title template, or inside nothing when the title is explicit or the
        site's name."""
        archive = self.archive
        if archive.page == 1:
            return await self.subject.title()
        meta = await self.meta()
        explicit = meta.meta_title if meta is not None and meta.meta_title else None
        if archive.kind == HOME or explicit:
            name = explicit or self.site.name
            return self.site.paged_title(name, archive.page, archive.pages)
        paged = self.site.paged_title(self.name(), archive.page, archive.pages)
        return effective_title(self.site, paged, None)

    async def canonical_url(self) -> str:
        return await self.url()

    async def robots(self) -> Robots:
        robots = await self.subject.robots()
        if self.archive.page > 1 and self.site.noindex_paged and robots.index:
            follow = "follow" if robots.follow else "nofollow"
            return Robots(False, robots.follow, f"noindex, {follow}")
        return robots

    async def trail(self) -> list[Crumb]:
        if self.archive.kind == HOME and self.archive.locale == self.site.default_locale:
            return []  # the home page's own trail is empty
        first = self.site.absolute(self.archive.page_path(self.site, 1))
        crumbs = [Crumb(self.name(), first)]
        if self.archive.page > 1:
            label = self.site.paged_title("", self.archive.page, self.archive.pages).strip(" -|:")
            crumbs.append(Crumb(label or str(self.archive.page), await self.url()))
        return crumbs

    async def own_json_ld(self) -> list[jsonld.LdThing]:
        page = jsonld.LdWebPage(
            type="CollectionPage",
            name=await self.title(),
            url=await self.canonical_url(),
            description=await self.description(),
            in_language=self.archive.locale,
        )
        return [page]

    async def alternates(self) -> list[AlternateData]:
        """Page 1 is the author's or term's page: its translations' links; later pages
        number different articles in each locale, so they link none."""
        return await self.subject.alternates() if self.archive.page == 1 else []

    async def prev_url(self) -> str | None:
        archive = self.archive
        if not archive.has_previous:
            return None
        return self.site.absolute(archive.page_path(self.site, archive.page - 1))

    async def next_url(self) -> str | None:
        archive = self.archive
        if not archive.has_next:
            return None
        return self.site.absolute(archive.page_path(self.site, archive.page + 1))
