"""The dataloaders of one request: each domain's loaders, built together, cleared together,
closed together when the request ends.

A plain holder (no batch logic, no lookup by name; each loader is built when first used): the loaders themselves live with their domain
(``resolvers.content.loaders``, ``resolvers.seo.loaders``); domain rules declare the few they
read (``resolvers.seo.metadata.PageReads``, ``resolvers.seo.audit.AuditReads``) and this holder
provides them. Attribute names label the dataloader metrics and spans.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader

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
    RequestLoader,
    RequestScope,
    SlimLinksByArticleIdLoader,
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

L = TypeVar("L", bound=RequestLoader[Any, Any])


_ALL: Any = object()  # ``RequestLoaders._clear``: every key


class _Built(Generic[L]):
    """A loader attribute built on first use (most requests use a few of the ~20): the
    instance is then stored under the same name, so later reads are plain attribute reads."""

    def __init__(self, cls: type[L]) -> None:
        self.cls = cls
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, holder: RequestLoaders, owner: type | None = None) -> L:
        loader = self.cls(*holder.bound)
        loader.name = self.name
        if holder.observe is not None:
            holder.observe(loader)
        holder.__dict__[self.name] = loader
        for key, value in holder.deferred.pop(self.name, ()):
            loader.prime(key, value)
        return loader


def _site_relative_urls() -> MediaUrls:
    return MediaUrls("", DEFAULT_WIDTHS)


async def _request_over(_keys: Any) -> Any:
    """The batch function of a closed request's loaders (as ``RequestScope.run`` once closed)."""
    raise asyncio.CancelledError


class RequestLoaders:
    """Every loader a request may use, bound to its database, viewer, clock and tags."""

    article_by_id = _Built(ArticleByIdLoader)
    body_by_article_id = _Built(BodyByArticleIdLoader)
    author_by_id = _Built(AuthorByIdLoader)
    category_by_id = _Built(CategoryByIdLoader)
    tag_by_id = _Built(TagByIdLoader)
    email_by_author_id = _Built(EmailByAuthorIdLoader)
    authors_by_article_id = _Built(AuthorsByArticleIdLoader)
    categories_by_article_id = _Built(CategoriesByArticleIdLoader)
    tags_by_article_id = _Built(TagsByArticleIdLoader)
    links_by_article_id = _Built(LinksByArticleIdLoader)
    slim_links_by_article_id = _Built(SlimLinksByArticleIdLoader)
    articles_by_parent = _Built(ArticlesByParentLoader)
    article_count_by_parent = _Built(ArticleCountByParentLoader)
    articles_by_translation_group = _Built(ArticlesByTranslationGroupLoader)
    media_asset_by_id = _Built(MediaAssetByIdLoader)
    seo_meta_by_entity = _Built(SeoMetaByEntityLoader)
    translation_by_entity_locale = _Built(TranslationByEntityLocaleLoader)
    translations_by_entity = _Built(TranslationsByEntityLoader)
    duplicates_by_field = _Built(DuplicatesByFieldLoader)
    redirect_by_from_path = _Built(RedirectByFromPathLoader)
    redirect_sources_by_to_path = _Built(RedirectSourcesByToPathLoader)

    def __init__(
        self, db: Database, viewer: Viewer, now: datetime, tags: TagCollector | None = None
    ) -> None:
        self.now = now
        self.scope = RequestScope()
        self.bound = (db, viewer, now, tags if tags is not None else TagCollector(), self.scope)
        # Called with each loader as it is built, named (tracing's spans per batch).
        self.observe: Callable[[DataLoader[Any, Any]], None] | None = None
        # Asset URLs for readers below the schema (SEO images); the context sets its own.
        self.media_urls: Callable[[], MediaUrls] = _site_relative_urls
        # Primes for loaders not built yet: applied when (if) the loader is built (``prime``).
        self.deferred: dict[str, list[tuple[Any, Any]]] = {}

    def prime(self, name: str, pairs: Iterable[tuple[Any, Any]]) -> None:
        """``loader.prime(key, value)`` for each pair, on the loader named ``name``; a loader
        not built yet is primed when something first uses it (most requests never do: an
        article page reads its authors, categories and tags in one statement and primes the
        per-relation loaders for whatever reads one of them later). Nothing can have loaded
        a key of a loader that does not exist yet, so the outcome is the same."""
        loader = self.__dict__.get(name)
        if loader is not None:
            for key, value in pairs:
                loader.prime(key, value)
        else:
            self.deferred.setdefault(name, []).extend(pairs)

    def built(self) -> dict[str, DataLoader[Any, Any]]:
        """The loaders built so far, by attribute name."""
        return {k: v for k, v in vars(self).items() if isinstance(v, DataLoader)}

    async def close(self) -> None:
        """The request is over: no batch of its loaders runs on (``RequestScope``). The
        references that tie the request's objects into cycles are cut as well (each loader's
        wrapped batch function holds the loader; the context's URL builder holds the context),
        so they are freed as soon as the request lets go of them instead of waiting for the
        garbage collector, whose collections cost more the more garbage they find."""
        await self.scope.close()
        for loader in self.built().values():
            loader.batch_load_fn = _request_over
        self.media_urls = _site_relative_urls

    def _clear(self, name: str, key: Any = _ALL) -> None:
        """``clear(key)`` (``clear_all()`` without a key) on the loader named ``name``, without
        building one that nothing used yet: of such a loader only primes are waiting, and those
        of ``key`` (or all) are dropped."""
        assert isinstance(vars(type(self)).get(name), _Built), name
        loader = self.__dict__.get(name)
        if loader is not None:
            if key is _ALL:
                loader.clear_all()
            else:
                loader.clear(key)
        elif key is _ALL:
            self.deferred.pop(name, None)
        elif name in self.deferred:
            self.deferred[name] = [pair for pair in self.deferred[name] if pair[0] != key]

    def forget(self, changes: ChangeSet) -> None:
        """Drop entries a committed write made stale (same request, later fields)."""
        by_id = {
            "author": ("author_by_id", "authors_by_article_id"),
            "category": ("category_by_id", "categories_by_article_id"),
            "tag": ("tag_by_id", "tags_by_article_id"),
        }
        links = ("links_by_article_id", "slim_links_by_article_id")
        for change in changes:
            key = change.entity_id
            if change.entity == "media":
                self._clear("media_asset_by_id", key)
            if change.entity == "article":
                for name in ("article_by_id", "body_by_article_id", *links):
                    self._clear(name, key)
                for _, embedded in by_id.values():
                    self._clear(embedded, key)
            elif change.entity in by_id:
                row_loader, embedded = by_id[change.entity]
                self._clear(row_loader, key)
                self._clear("translation_by_entity_locale")
                self._clear("translations_by_entity", (change.entity, key))
                self._clear(embedded)  # its rows are embedded in every article that links it
                for name in links:
                    self._clear(name)
                if change.entity == "author":
                    self._clear("email_by_author_id", key)
            if change.entity == "article" or change.entity in by_id:
                self._clear("seo_meta_by_entity", (change.entity, key))
        if any(c.entity == "article" or c.entity in by_id for c in changes):
            # Nested pages and counts are keyed by parent and page: clear them wholesale.
            self._clear("articles_by_parent")
            self._clear("article_count_by_parent")
