"""The content graph's node types: Article, and the Author, Category and Tag it links.

They refer to each other (an article's authors, an author's articles), so they live in one
module, with the loading of an article page's relations ahead (``prefetch_articles``; which
relations a query selected is ``schema.content.prefetch``). Each type's fields are a few lines
that delegate to the resolvers. Root queries and mutations over these types
live in the modules beside this one and import it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Self, TypeVar

import strawberry

from resolvers.access import may_see_private_author_fields
from resolvers.content.loaders import ParentPage
from resolvers.content.locales.localized import row_locale
from resolvers.db import as_utc
from resolvers.seo.audit import audit_article
from resolvers.seo.loaders import prime_extras
from resolvers.seo.pages import ArticleSeo, AuthorSeo, TermSeo
from resolvers.seo.paths import article_path
from resolvers.visibility import PUBLIC
from schema.common import Audited, MaybeAwaitable
from schema.content.article_seo import seo_of_articles, seo_primed
from schema.content.locales import ListLocaleArg, chosen_locale
from schema.content.prefetch import Relation, item_relations
from schema.content.relation_rows import primary_authors, relation_rows
from schema.content.status import ArticleStatus
from schema.context import Info
from schema.media.image import Image
from schema.relay import After, Before, Connection, First, Last, Node, to_global_id
from schema.revisions.types import ArticleReview, ArticleRevision, reviews_of, revisions_of
from schema.seo.types import Seo, SeoFinding


@strawberry.type(description="A person who writes articles.")
class Author(Node, Audited):
    # Values derived from the row (image, paths) are fields with resolvers: computed
    # when a response selects them, not for every row a list reads.
    id: strawberry.ID = strawberry.field(description="Opaque global ID (Relay).")
    database_id: int = strawberry.field(description="Numeric primary key in the database.")
    slug: str = strawberry.field(description="URL-safe name, unique.")
    name: str = strawberry.field(description="Display name.")
    bio: str | None = strawberry.field(description="Short biography (HTML).")

    @strawberry.field(description="Portrait, if any.")
    def avatar(self) -> Image | None:
        r = self.row
        return Image.maybe(
            r.avatar_url, r.avatar_alt, r.avatar_width, r.avatar_height, r.avatar_asset_id
        )

    website: str | None = strawberry.field(description="Personal website URL.")
    twitter: str | None = strawberry.field(description="Twitter/X handle without @.")

    @strawberry.field(description="Path of the author page, e.g. /authors/x.")
    def path(self, info: Info) -> str:
        return info.context.site.path("author", self.slug, row_locale(self.row))

    @strawberry.field(description="Absolute URL of the author page.")
    def url(self, info: Info) -> str:
        site = info.context.site
        return site.absolute(site.path("author", self.slug, row_locale(self.row)))

    row: strawberry.Private[Any]
    locale: strawberry.Private[str | None]  # cascades to nested lists
    version: int = strawberry.field(
        description="Grows with every change; send it as `expectedVersion` when updating."
    )

    @classmethod
    def from_row(cls, row: Any, info: Info, locale: str | None = None) -> Author:
        return cls(
            id=to_global_id(cls.__name__, row.id),
            database_id=row.id,
            slug=row.slug,
            name=row.name,
            bio=row.bio,
            website=row.website,
            twitter=row.twitter,
            row=row,
            locale=locale or row_locale(row),
            version=row.version,
            created_by_label=row.created_by,
            updated_by_label=row.updated_by,
        )

    @strawberry.field(
        description="Private e-mail address: visible to editors, admins and the author "
        "themself; null for everyone else."
    )
    async def email(self, info: Info) -> str | None:
        if not may_see_private_author_fields(info.context.viewer, self.database_id):
            return None
        return await info.context.loaders.email_by_author_id.load(self.database_id)

    @strawberry.field(description="This author's published articles, newest first.")
    async def articles(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
        locale: ListLocaleArg = None,
    ) -> Connection[Article]:
        loc = chosen_locale(info, locale, self.locale)
        return await related_articles(
            info, "author", self.database_id, first, after, last, before, loc
        )

    @strawberry.field(description="SEO metadata for the author page.")
    def seo(self, info: Info) -> Seo:
        return Seo(page=AuthorSeo(info.context.site, info.context.loaders, self.row))


@strawberry.interface(description="A category or tag: a named group of articles.")
class Term(Node, Audited):
    id: strawberry.ID = strawberry.field(description="Opaque global ID (Relay).")
    database_id: int = strawberry.field(description="Numeric primary key in the database.")
    slug: str = strawberry.field(description="URL-safe name, unique.")
    name: str = strawberry.field(description="Display name.")
    description: str | None = strawberry.field(description="What the group is about.")
    image: Image | None = strawberry.field(description="Its image (media library), if any.")
    path: str = strawberry.field(description="Path of the listing page.")
    url: str = strawberry.field(description="Absolute URL of the listing page.")
    kind: strawberry.Private[str]
    row: strawberry.Private[Any]
    locale: strawberry.Private[str | None]  # cascades to nested lists

    @classmethod
    def from_row(cls, row: Any, info: Info, locale: str | None = None) -> Self:
        kind = cls.__name__.lower()
        site = info.context.site
        path = site.path(kind, row.slug, row_locale(row))
        return cls(
            id=to_global_id(cls.__name__, row.id),
            database_id=row.id,
            slug=row.slug,
            name=row.name,
            description=row.description,
            image=Image.maybe(None, None, None, None, row.image_asset_id),
            path=path,
            url=site.absolute(path),
            kind=kind,
            row=row,
            locale=locale or row_locale(row),
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
        locale: ListLocaleArg = None,
    ) -> Connection[Article]:
        loc = chosen_locale(info, locale, self.locale)
        return await related_articles(
            info, self.kind, self.database_id, first, after, last, before, loc
        )

    @strawberry.field(description="SEO metadata for the listing page.")
    def seo(self, info: Info) -> Seo:
        return Seo(page=TermSeo(self.kind, info.context.site, info.context.loaders, self.row))


@strawberry.type(description="A section of the site; an article may be in several.")
class Category(Term):
    pass


@strawberry.type(description="A keyword; an article may carry several.")
class Tag(Term):
    pass


T = TypeVar("T")


@dataclasses.dataclass
class Preloaded:
    """An article's relations as a list resolver loaded them ahead for the whole page
    (``schema.content.prefetch``); ``None``: not loaded (yet)."""

    authors: list[Author] | None = None
    author: Author | None = None  # the primary author alone (from the root query's rows)
    categories: list[Category] | None = None
    tags: list[Tag] | None = None
    body: str | None = None
    seo: Seo | None = None

    def missing(self, relation: Relation) -> bool:
        if relation == "author" and self.authors is not None:
            return False  # the first of them
        return getattr(self, relation) is None


@strawberry.type(description="A piece of published (or, for editors, unpublished) content.")
class Article(Node, Audited):
    # As on Author: what is derived from the row is computed when a response selects it.
    id: strawberry.ID = strawberry.field(description="Opaque global ID (Relay).")
    database_id: int = strawberry.field(description="Numeric primary key in the database.")
    slug: str = strawberry.field(description="URL-safe name, unique per locale.")
    title: str = strawberry.field(description="Headline.")
    excerpt: str | None = strawberry.field(description="Short summary (plain text).")

    @strawberry.field(description="Editorial state.")
    def status(self, info: Info) -> ArticleStatus:
        r = self.row
        state = PUBLIC.state(r.status, r.published_at, info.context.now, r.unpublish_at)
        return ArticleStatus[state.upper()]

    @strawberry.field(description="When it is (or becomes) public; null for drafts.")
    def published_at(self) -> datetime | None:
        value: datetime | None = self.row.published_at
        return as_utc(value)

    @strawberry.field(description="When it stops being public (exact to the second); null: no end.")
    def unpublish_at(self) -> datetime | None:
        value: datetime | None = self.row.unpublish_at
        return as_utc(value)

    @strawberry.field(description="Last modification time.")
    def updated_at(self) -> datetime:
        value: datetime = self.row.updated_at
        return as_utc(value)

    @strawberry.field(description="Creation time.")
    def created_at(self) -> datetime:
        value: datetime = self.row.created_at
        return as_utc(value)

    reading_time_minutes: int = strawberry.field(description="Estimated reading time.")
    locale: str = strawberry.field(description="Language tag, e.g. en or de.")

    @strawberry.field(description="Lead image, if any.")
    def feature_image(self) -> Image | None:
        r = self.row
        return Image.maybe(
            r.feature_image_url,
            r.feature_image_alt,
            r.feature_image_width,
            r.feature_image_height,
            r.feature_image_asset_id,
        )

    version: int = strawberry.field(
        description="Grows with every change; send it as `expectedVersion` when updating."
    )
    public: strawberry.Private[bool]
    row: strawberry.Private[Any]
    loaded: strawberry.Private[Preloaded] = dataclasses.field(default_factory=Preloaded)

    @classmethod
    def from_row(cls, row: Any, info: Info) -> Article:
        return cls(
            id=to_global_id(cls.__name__, row.id),
            database_id=row.id,
            slug=row.slug,
            title=row.title,
            excerpt=row.excerpt,
            reading_time_minutes=row.reading_time_minutes,
            locale=row.locale,
            version=row.version,
            public=PUBLIC.holds(row, info.context.now),
            row=row,
            created_by_label=row.created_by,
            updated_by_label=row.updated_by,
        )

    @strawberry.field(
        description="Canonical path on the site, e.g. /articles/x (GATEWAY_ARTICLE_PATH).",
        graphql_type=str,
    )
    def path(self, info: Info) -> MaybeAwaitable[str]:
        site = info.context.site
        if not site.article_needs_category:
            return site.path("article", self.slug, self.locale)
        return self._category_path(info)

    async def _category_path(self, info: Info) -> str:
        return await article_path(
            info.context.site, info.context.loaders.categories_by_article_id, self.row
        )

    @strawberry.field(description="Absolute canonical URL.", graphql_type=str)
    def url(self, info: Info) -> MaybeAwaitable[str]:
        site = info.context.site
        if not site.article_needs_category:
            return site.absolute(site.path("article", self.slug, self.locale))
        return self._category_url(info)

    async def _category_url(self, info: Info) -> str:
        return info.context.site.absolute(await self._category_path(info))

    def _relation(
        self, info: Info, name: Relation, pick: Callable[[Preloaded], T | None]
    ) -> MaybeAwaitable[T]:
        """What a relation field returns: the prefetched value, or an awaitable loading it."""
        value = pick(self.loaded)
        if value is not None:
            return value
        return self._load(info, name, pick)

    async def _load(self, info: Info, name: Relation, pick: Callable[[Preloaded], T | None]) -> T:
        await prefetch_articles(info, [self], {name})
        value = pick(self.loaded)
        assert value is not None  # prefetch_articles fills every relation it is asked for
        return value

    @strawberry.field(
        description="Full body as sanitised HTML (read only when selected).", graphql_type=str
    )
    def body(self, info: Info) -> MaybeAwaitable[str]:
        return self._relation(info, "body", lambda p: p.body)

    @strawberry.field(description="The primary (first) author.", graphql_type=Author)
    def author(self, info: Info) -> MaybeAwaitable[Author]:
        if self.loaded.author is not None:
            return self.loaded.author
        authors = self._relation(info, "authors", lambda p: p.authors)
        if isinstance(authors, list):
            return authors[0]
        return self._first(authors)

    @staticmethod
    async def _first(pending: Awaitable[list[Author]]) -> Author:
        return (await pending)[0]

    @strawberry.field(
        description="All authors in byline order; the first is the primary.",
        graphql_type=list[Author],
    )
    def authors(self, info: Info) -> MaybeAwaitable[list[Author]]:
        return self._relation(info, "authors", lambda p: p.authors)

    @strawberry.field(
        description="Categories in their editorial order.", graphql_type=list[Category]
    )
    def categories(self, info: Info) -> MaybeAwaitable[list[Category]]:
        return self._relation(info, "categories", lambda p: p.categories)

    @strawberry.field(description="Tags in their editorial order.", graphql_type=list[Tag])
    def tags(self, info: Info) -> MaybeAwaitable[list[Tag]]:
        return self._relation(info, "tags", lambda p: p.tags)

    @strawberry.field(description="SEO metadata for this article's page.")
    def seo(self, info: Info) -> Seo:
        if self.loaded.seo is not None:
            return self.loaded.seo
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
        description="Saved states of this article, newest first (editors, and its authors; "
        "empty for everyone else)."
    )
    async def revisions(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ArticleRevision]:
        return await revisions_of(info, "article", self.database_id, first, after, last, before)

    @strawberry.field(
        description="Review steps with their comments, oldest first (editors, and its authors; "
        "null for everyone else)."
    )
    async def reviews(self, info: Info) -> list[ArticleReview] | None:
        return await reviews_of(info, self.database_id)

    @strawberry.field(
        description="SEO problems of this article: title/description length, duplicates, "
        "missing alt text, canonical elsewhere, noindex, redirects, slug."
    )
    async def seo_audit(self, info: Info) -> list[SeoFinding]:
        ctx = info.context
        findings = await audit_article(ctx.site, ctx.loaders, self.row, self.public)
        return [SeoFinding.of(f) for f in findings]


async def article_connection(
    info: Info, page: Any, count: Callable[[], Awaitable[int]], *, root: bool = False
) -> Connection[Article]:
    """A connection of articles whose selected relations are loaded in bulk (``root``: see
    ``prefetch_articles``)."""
    loaders = info.context.loaders
    prime_extras(page.rows, loaders.body_by_article_id, loaders.seo_meta_by_entity)
    connection = Connection.build(page, count, lambda row: Article.from_row(row, info))
    await prefetch_articles(info, connection.nodes, item_relations(info), root=root)
    return connection


async def related_articles(
    info: Info,
    kind: str,
    parent_id: int,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    locale: str | None = None,
) -> Connection[Article]:
    """The visible articles of an author, category or tag (in ``locale`` only, if given):
    batched across parents."""
    ctx = info.context
    args = ctx.page(first, after, last, before)
    page = await ctx.loaders.articles_by_parent.load(
        ParentPage(kind, parent_id, args.size, args.cursor, args.backward, locale)
    )

    async def count() -> int:
        return await ctx.loaders.article_count_by_parent.load((kind, parent_id, locale))

    return await article_connection(info, page, count)


async def prefetch_articles(
    info: Info, articles: Sequence[Article], relations: set[Relation], *, root: bool = False
) -> None:
    """Fill ``article.loaded.<relation>`` for every article; one batch per relation.
    ``root``: the articles of a root field, which no other list batches with: a relation
    not loaded yet is read at once (``RequestLoader.load_all``)."""
    todo = {r for r in relations if any(a.loaded.missing(r) for a in articles)}
    if not todo or not articles:
        return
    if "seo" in todo and (len(articles) > 1 or seo_primed(info, articles[0].database_id)):
        for article, seo in zip(articles, await seo_of_articles(info, articles), strict=True):
            article.loaded.seo = seo
    todo.discard("seo")
    locales = [a.locale for a in articles]  # an article's relations are shown in its locale
    if "author" in todo:
        todo.discard("author")
        primaries = await primary_authors(info, [a.row for a in articles], locales)
        if primaries is None or "authors" in todo:
            todo.add("authors")  # the primary author is the first of them
        else:
            for article, row in zip(articles, primaries, strict=True):
                article.loaded.author = Author.from_row(row, info, article.locale)
    if not todo:
        return
    ids = [a.database_id for a in articles]
    results = await relation_rows(info, ids, locales, todo, root=root)
    for article, rows in zip(articles, results.get("authors", ()), strict=False):
        article.loaded.authors = [Author.from_row(r, info, article.locale) for r in rows]
    for article, rows in zip(articles, results.get("categories", ()), strict=False):
        article.loaded.categories = [Category.from_row(r, info, article.locale) for r in rows]
    for article, rows in zip(articles, results.get("tags", ()), strict=False):
        article.loaded.tags = [Tag.from_row(r, info, article.locale) for r in rows]
    for article, body in zip(articles, results.get("body", ()), strict=False):
        article.loaded.body = body
