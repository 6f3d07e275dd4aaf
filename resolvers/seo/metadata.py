"""SEO metadata with fallbacks: explicit overrides first, then values computed from content.

``PageSeo`` describes one page (home, article, author, category, tag). Every method loads what it
needs through the request's dataloaders, so a list of 100 articles with their full ``seo``
selected costs the same number of SQL statements as a list of one. The page kinds live in
``resolvers.seo.pages``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar, Protocol

from resolvers.content.loaders import (
    ArticlesByTranslationGroupLoader,
    AuthorsByArticleIdLoader,
    BodyByArticleIdLoader,
    CategoriesByArticleIdLoader,
    TagsByArticleIdLoader,
)
from resolvers.content.locales.localized import (
    TranslationByEntityLocaleLoader,
    TranslationsByEntityLoader,
    localized_meta,
    row_locale,
)
from resolvers.media.loaders import MediaAssetByIdLoader
from resolvers.media.urls import MediaUrls
from resolvers.seo import jsonld
from resolvers.seo.loaders import SeoMetaByEntityLoader
from resolvers.site import Site, cut_at_word, plain_text

DESCRIPTION_LIMIT = 160
INDEX_EXTRAS = "max-image-preview:large"


@dataclass(frozen=True, slots=True)
class ImageData:
    url: str
    alt: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Robots:
    index: bool
    follow: bool
    directives: str


@dataclass(frozen=True, slots=True)
class SeoBasics:
    """Title, description, canonical URL and robots of a page, computed ahead for list items
    so their fields resolve without an awaitable each."""

    title: str
    description: str | None
    canonical_url: str
    robots: Robots


@dataclass(frozen=True, slots=True)
class OpenGraphData:
    title: str
    description: str | None
    type: str
    url: str
    site_name: str
    locale: str
    image: ImageData | None
    published_time: datetime | None = None
    modified_time: datetime | None = None
    authors: list[str] = field(default_factory=list)
    section: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TwitterData:
    card: str
    site: str | None
    creator: str | None
    title: str
    description: str | None
    image: ImageData | None


@dataclass(frozen=True, slots=True)
class Crumb:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class AlternateData:
    hreflang: str
    url: str


@dataclass(frozen=True, slots=True)
class FeedLinkData:
    type: str  # MIME type: application/rss+xml or application/atom+xml
    title: str
    url: str


def effective_title(site: Site, name: str, meta: Any | None) -> str:
    """The explicit meta title as written, else the name in the site's title template."""
    explicit = meta.meta_title if meta is not None else None
    return explicit or site.title(name)


def describe(text: str | None, *, html: bool = False) -> str | None:
    """Meta-description form of a text, cut at a word boundary to at most 160 characters.

    Excerpts and term descriptions are stored as plain text (markup dropped and entities
    decoded when written), so they are only cut; HTML (bodies, author bios) is reduced to its
    text first: tags stripped, entities decoded, whitespace collapsed."""
    if not text:
        return None
    return cut_at_word(plain_text(text) if html else text, DESCRIPTION_LIMIT) or None


# Open Graph wants language_TERRITORY; a bare language gets its most common territory.
DEFAULT_OG_LOCALES = {
    "ar": "ar_AR", "cs": "cs_CZ", "da": "da_DK", "de": "de_DE", "el": "el_GR", "en": "en_US",
    "es": "es_ES", "fi": "fi_FI", "fr": "fr_FR", "he": "he_IL", "hi": "hi_IN", "hu": "hu_HU",
    "id": "id_ID", "it": "it_IT", "ja": "ja_JP", "ko": "ko_KR", "nb": "nb_NO", "nl": "nl_NL",
    "pl": "pl_PL", "pt": "pt_PT", "ro": "ro_RO", "ru": "ru_RU", "sv": "sv_SE", "th": "th_TH",
    "tr": "tr_TR", "uk": "uk_UA", "vi": "vi_VN", "zh": "zh_CN",
}  # fmt: skip


def og_locale(locale: str, overrides: tuple[tuple[str, str], ...] = ()) -> str:
    """Open Graph writes locales as language_TERRITORY: "pt-br" becomes "pt_BR", and a bare
    language maps through the site's ``og_locales`` (``GATEWAY_SEO_OG_LOCALES``), then the
    defaults ("en" -> "en_US", "de" -> "de_DE")."""
    language, _, territory = locale.replace("_", "-").partition("-")
    mapped = {k.lower(): v for k, v in (*DEFAULT_OG_LOCALES.items(), *overrides)}
    if locale.lower() in mapped:
        return mapped[locale.lower()]
    if territory:
        return f"{language.lower()}_{territory.upper()}"
    return mapped.get(language.lower(), language.lower())


def hreflang_alternates(site: Site, members: list[tuple[int, str, str]]) -> list[AlternateData]:
    """hreflang links of a translation group, given (id, locale, absolute url) of every public,
    indexable member. Empty unless there are at least two languages; ``x-default`` points at
    the site's default locale, or at the oldest member when that locale is missing."""
    if len({locale for _, locale, _ in members}) < 2:
        return []
    ordered = sorted(members, key=lambda m: (m[1], m[0]))
    links = [AlternateData(locale, url) for _, locale, url in ordered]
    default = next((m for m in ordered if m[1] == site.default_locale), None)
    if default is None:
        default = min(members)
    return [*links, AlternateData("x-default", default[2])]


def entity_alternates(
    site: Site, kind: str, entity_id: int, base_slug: str, shown: str, translations: list[Any]
) -> list[AlternateData]:
    """hreflang links of an author's or term's pages: the default locale's page and one per
    translation (``locale``, ``slug``) in a served locale, as ``hreflang_alternates`` makes
    them for an article's translation group. A page shown in a locale it has no translation
    in (``shown``: its fallback page, the default locale's text under ``/<locale>``) is no
    translation: no links. The sitemap and the ``seo`` field both build them here."""
    served = set(site.served_locales)
    members = [(entity_id, site.default_locale, site.absolute(site.path(kind, base_slug)))]
    members += [
        (entity_id, t.locale, site.absolute(site.path(kind, t.slug, t.locale)))
        for t in translations
        if t.locale in served and t.locale != site.default_locale
    ]
    if shown not in {m[1] for m in members}:
        return []
    return hreflang_alternates(site, members)


def home_alternates(site: Site) -> list[AlternateData]:
    """hreflang links between the home pages of the served locales (``/``, ``/de``, ...):
    every locale's home is the same page in another language. None with one locale."""
    members = [(0, locale, site.locale_home_url(locale)) for locale in site.served_locales]
    return hreflang_alternates(site, members)


def site_feeds(site: Site, locale: str | None = None) -> list[FeedLinkData]:
    """The site's feeds; a page in another locale than the default one announces that
    locale's (``/<locale>/feed.xml``)."""
    prefix = "" if locale is None or locale == site.default_locale else f"/{locale}"
    return [
        FeedLinkData(
            "application/rss+xml", f"{site.name} (RSS)", site.absolute(f"{prefix}/feed.xml")
        ),
        FeedLinkData(
            "application/atom+xml", f"{site.name} (Atom)", site.absolute(f"{prefix}/feed.atom")
        ),
    ]


def robots_rule(public: bool, meta: Any | None) -> Robots:
    """Anything that is not public is ``noindex``; explicit overrides can only restrict."""
    index = public and (meta is None or bool(meta.robots_index))
    follow = meta is None or bool(meta.robots_follow)
    directives = ["index" if index else "noindex", "follow" if follow else "nofollow"]
    if index:
        directives.append(INDEX_EXTRAS)
    if meta is not None and meta.robots_extra:
        directives.append(meta.robots_extra)
    return Robots(index, follow, ", ".join(directives))


# Most pages have no overrides: their robots are one of two values.
DEFAULT_ROBOTS = {public: robots_rule(public, None) for public in (True, False)}


class PageReads(Protocol):
    """The loaders page SEO reads through (a request's loaders provide them)."""

    seo_meta_by_entity: SeoMetaByEntityLoader
    body_by_article_id: BodyByArticleIdLoader
    authors_by_article_id: AuthorsByArticleIdLoader
    categories_by_article_id: CategoriesByArticleIdLoader
    tags_by_article_id: TagsByArticleIdLoader
    articles_by_translation_group: ArticlesByTranslationGroupLoader
    translation_by_entity_locale: TranslationByEntityLocaleLoader
    translations_by_entity: TranslationsByEntityLoader
    media_asset_by_id: MediaAssetByIdLoader
    media_urls: Callable[[], MediaUrls]  # asset URLs under the request's base URL


class PageSeo:
    """SEO of one page. Subclasses say what the page is; this class applies the rules."""

    kind: ClassVar[str] = "site"
    og_type: ClassVar[str] = "website"

    def __init__(self, site: Site, loaders: PageReads, row: Any = None, public: bool = True):
        self.site = site
        self.loaders = loaders
        self.row = row
        self.public = public

    # --- what the page is (overridden per kind) ---
    def name(self) -> str:
        return self.site.name

    summary_is_html: ClassVar[bool] = False

    def summary(self) -> str | None:
        return self.site.description

    @cached_property
    def summary_description(self) -> str | None:
        """The summary in meta-description form; worked out once per page (a list asks
        whether it needs the fallback text, then describes: the same cut twice otherwise)."""
        return describe(self.summary(), html=self.summary_is_html)

    async def path(self) -> str:
        return "/"

    def locale(self) -> str:
        return row_locale(self.row) or self.site.default_locale

    async def own_image(self) -> ImageData | None:
        return None

    async def fallback_text(self) -> str | None:
        """Text to describe the page when it has no summary (the article body)."""
        return None

    async def trail(self) -> list[Crumb]:
        """Breadcrumbs after "home"."""
        return []

    async def creator(self) -> str | None:
        return None

    async def own_json_ld(self) -> list[jsonld.LdThing]:
        return []

    def own_feeds(self) -> list[FeedLinkData]:
        return []

    # --- the rules ---
    # Each rule is a plain function of what it reads (``*_with``), so a list that loaded the
    # inputs of all its items at once applies them without an await per field; the async
    # methods load the inputs through the dataloaders and apply the same rules.
    async def basics(self) -> SeoBasics:
        """The four values every page head needs, computed together (see SeoBasics)."""
        meta = await self.meta()
        fallback = await self.fallback_text() if self.needs_fallback(meta) else None
        url = await self.url() if self.needs_url(meta) else None
        return self.basics_with(meta, url, fallback)

    def basics_with(self, meta: Any | None, url: str | None, fallback: str | None) -> SeoBasics:
        """``basics`` from the page's (localized) overrides, URL and fallback text."""
        return SeoBasics(
            title=self.title_with(meta),
            description=self.description_with(meta, fallback),
            canonical_url=self.canonical_with(meta, url),
            robots=self.robots_with(meta),
        )

    def localize(self, meta: Any | None) -> Any | None:
        """The overrides of the page in the locale it is shown in."""
        return localized_meta(self.row, meta)

    async def meta(self) -> Any | None:
        if self.row is None:
            return None
        return self.localize(await self.loaders.seo_meta_by_entity.load((self.kind, self.row.id)))

    async def url(self) -> str:
        return self.site.absolute(await self.path())

    def title_with(self, meta: Any | None) -> str:
        return effective_title(self.site, self.name(), meta)

    async def title(self) -> str:
        return self.title_with(await self.meta())

    def needs_fallback(self, meta: Any | None) -> bool:
        """Whether the description falls back to ``fallback_text`` (no override, no summary)."""
        if meta is not None and meta.meta_description:
            return False
        return not self.summary_description

    def description_with(self, meta: Any | None, fallback: str | None) -> str | None:
        if meta is not None and meta.meta_description:
            return str(meta.meta_description)
        summary = self.summary_description
        return summary or describe(fallback, html=True)

    async def description(self) -> str | None:
        meta = await self.meta()
        fallback = await self.fallback_text() if self.needs_fallback(meta) else None
        return self.description_with(meta, fallback)

    @staticmethod
    def canonical_with(meta: Any | None, url: str | None) -> str:
        """The override, else ``url`` (the page's own: only needed without an override)."""
        if meta is not None and meta.canonical_url:
            return str(meta.canonical_url)
        assert url is not None
        return url

    @staticmethod
    def needs_url(meta: Any | None) -> bool:
        return not (meta is not None and meta.canonical_url)

    async def canonical_url(self) -> str:
        meta = await self.meta()
        return self.canonical_with(meta, await self.url() if self.needs_url(meta) else None)

    def robots_with(self, meta: Any | None) -> Robots:
        if meta is None:
            return DEFAULT_ROBOTS[bool(self.public)]
        return robots_rule(bool(self.public), meta)

    async def robots(self) -> Robots:
        return self.robots_with(await self.meta())

    async def image(self) -> ImageData | None:
        meta = await self.meta()
        if meta is not None and meta.og_image_url:
            return ImageData(meta.og_image_url)
        own = await self.own_image()
        if own is not None:
            return own
        return ImageData(self.site.default_image_url) if self.site.default_image_url else None

    async def social_title(self) -> str:
        """Open Graph title: the override, else the meta title, else the bare name (social
        cards show the site name themselves, so no title template)."""
        meta = await self.meta()
        for value in (meta.og_title, meta.meta_title) if meta is not None else ():
            if value and value.strip():
                return str(value).strip()
        return self.name()

    async def social_description(self) -> str | None:
        meta = await self.meta()
        if meta is not None and meta.og_description:
            return str(meta.og_description)
        return await self.description()

    async def open_graph(self) -> OpenGraphData:
        return OpenGraphData(
            title=await self.social_title(),
            description=await self.social_description(),
            type=self.og_type,
            url=await self.canonical_url(),
            site_name=self.site.name,
            locale=og_locale(self.locale(), self.site.og_locales),
            image=await self.image(),
        )

    async def twitter(self) -> TwitterData:
        meta = await self.meta()
        image = await self.image()
        title = meta.twitter_title if meta is not None and meta.twitter_title else None
        description = meta.twitter_description if meta is not None else None
        site = self.site.twitter_site
        creator = await self.creator()
        return TwitterData(
            card="summary_large_image" if image is not None else "summary",
            site=f"@{site}" if site else None,
            creator=f"@{creator.lstrip('@')}" if creator else None,
            title=title or await self.social_title(),
            description=description or await self.social_description(),
            image=image,
        )

    async def breadcrumbs(self) -> list[Crumb]:
        trail = await self.trail()
        home = Crumb(self.site.name, self.site.locale_home_url(self.locale()))
        return [home, *trail] if trail else []

    async def alternates(self) -> list[AlternateData]:
        return []

    async def prev_url(self) -> str | None:
        """rel=prev: the previous page of a paginated archive (None elsewhere)."""
        return None

    async def next_url(self) -> str | None:
        """rel=next: the next page of a paginated archive (None elsewhere)."""
        return None

    def feeds(self) -> list[FeedLinkData]:
        return [*site_feeds(self.site, self.locale()), *self.own_feeds()]

    def publisher(self) -> jsonld.LdOrganization:
        logo = jsonld.LdImage(self.site.logo_url) if self.site.logo_url else None
        return jsonld.LdOrganization(self.site.name, self.site.home_url, logo)

    async def json_ld(self) -> list[jsonld.LdThing]:
        things = await self.own_json_ld()
        crumbs = await self.breadcrumbs()
        if crumbs:
            items = [jsonld.LdListItem(i, c.name, c.url) for i, c in enumerate(crumbs, 1)]
            things.append(jsonld.LdBreadcrumbList(items))
        return things

    async def json_ld_script(self) -> str:
        """The editor's override when it is valid JSON, else the generated graph."""
        meta = await self.meta()
        override = jsonld.parse_override(meta.json_ld if meta is not None else None)
        if override is not None:
            return jsonld.script_text(override)
        return jsonld.graph_script(await self.json_ld())
