"""The dataloaders of one request: each domain's loaders, built together, cleared together,
closed together when the request ends.

A plain holder (no batch logic, no lookup by name): the loaders themselves live with their domain
(``resolvers.content.loaders``, ``resolvers.seo.loaders``); domain rules declare the few they
read (``resolvers.seo.metadata.PageReads``, ``resolvers.seo.audit.AuditReads``) and this holder
provides them. Attribute names label the dataloader metrics and spans.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from resolvers.access import Viewer
from resolvers.cache_tags import TagCollector
from resolvers.changes import ChangeSet
from resolvers.content.loaders import (
    ArticleByIdLoader,
    ArticleCountByParentLoader,
    ArticlesByParentLoader,
    ArticlesByTranslationGroupLoader,
    AuthorByIdLoader,
    AuthorsByArticleIdLoader,
    BodyByArticleIdLoader,
    CategoriesByArticleIdLoader,
    CategoryByIdLoader,
    EmailByAuthorIdLoader,
    LinksByArticleIdLoader,
    RequestScope,
    TagByIdLoader,
    TagsByArticleIdLoader,
)
from resolvers.content.locales.localized import (
    TranslationByEntityLocaleLoader,
    TranslationsByEntityLoader,
)
from resolvers.db import Database
from resolvers.media.loaders import MediaAssetByIdLoader
from resolvers.media.urls import DEFAULT_WIDTHS, MediaUrls
from resolvers.seo.loaders import (
    DuplicatesByFieldLoader,
    RedirectByFromPathLoader,
    RedirectSourcesByToPathLoader,
    SeoMetaByEntityLoader,
)


class RequestLoaders:
    """Every loader a request may use, bound to its database, viewer, clock and tags."""

    def __init__(
        self, db: Database, viewer: Viewer, now: datetime, tags: TagCollector | None = None
    ) -> None:
        self.now = now
        self.scope = RequestScope()
        bound = (db, viewer, now, tags if tags is not None else TagCollector(), self.scope)
        self.article_by_id = ArticleByIdLoader(*bound)
        self.body_by_article_id = BodyByArticleIdLoader(*bound)
        self.author_by_id = AuthorByIdLoader(*bound)
        self.category_by_id = CategoryByIdLoader(*bound)
        self.tag_by_id = TagByIdLoader(*bound)
        self.email_by_author_id = EmailByAuthorIdLoader(*bound)
        self.authors_by_article_id = AuthorsByArticleIdLoader(*bound)
        self.categories_by_article_id = CategoriesByArticleIdLoader(*bound)
        self.tags_by_article_id = TagsByArticleIdLoader(*bound)
        self.links_by_article_id = LinksByArticleIdLoader(*bound)
        self.articles_by_parent = ArticlesByParentLoader(*bound)
        self.article_count_by_parent = ArticleCountByParentLoader(*bound)
        self.articles_by_translation_group = ArticlesByTranslationGroupLoader(*bound)
        self.media_asset_by_id = MediaAssetByIdLoader(*bound)
        # Asset URLs for readers below the schema (SEO images); the context sets its own.
        self.media_urls: Callable[[], MediaUrls] = lambda: MediaUrls("", DEFAULT_WIDTHS)
        self.seo_meta_by_entity = SeoMetaByEntityLoader(*bound)
        self.translation_by_entity_locale = TranslationByEntityLocaleLoader(*bound)
        self.translations_by_entity = TranslationsByEntityLoader(*bound)
        self.duplicates_by_field = DuplicatesByFieldLoader(*bound)
        self.redirect_by_from_path = RedirectByFromPathLoader(*bound)
        self.redirect_sources_by_to_path = RedirectSourcesByToPathLoader(*bound)

    async def close(self) -> None:
        """The request is over: no batch of its loaders runs on (``RequestScope``)."""
        await self.scope.close()

    def forget(self, changes: ChangeSet) -> None:
        """Drop entries a committed write made stale (same request, later fields)."""
        by_id = {
            "author": (self.author_by_id, self.authors_by_article_id),
            "category": (self.category_by_id, self.categories_by_article_id),
            "tag": (self.tag_by_id, self.tags_by_article_id),
        }
        for change in changes:
            key = change.entity_id
            if change.entity == "media":
                self.media_asset_by_id.clear(key)
            if change.entity == "article":
                self.article_by_id.clear(key)
                self.body_by_article_id.clear(key)
                self.links_by_article_id.clear(key)
                for _, embedded in by_id.values():
                    embedded.clear(key)
            elif change.entity in by_id:
                row_loader, embedded = by_id[change.entity]
                row_loader.clear(key)
                self.translation_by_entity_locale.clear_all()
                self.translations_by_entity.clear((change.entity, key))
                embedded.clear_all()  # its rows are embedded in every article that links it
                self.links_by_article_id.clear_all()
                if change.entity == "author":
                    self.email_by_author_id.clear(key)
            if change.entity == "article" or change.entity in by_id:
                self.seo_meta_by_entity.clear((change.entity, key))
        if any(c.entity == "article" or c.entity in by_id for c in changes):
            # Nested pages and counts are keyed by parent and page: clear them wholesale.
            self.articles_by_parent.clear_all()
            self.article_count_by_parent.clear_all()
