"""The per-request context every resolver receives, and the one factory that builds it for
HTTP requests, WebSocket connections and each subscription event."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

import strawberry
from graphql import GraphQLError

from resolvers.access import Viewer
from resolvers.auth.preview import PreviewTokens
from resolvers.cache_tags import TagCollector
from resolvers.changes import ChangeHooks
from resolvers.commands import CommandEnv
from resolvers.db import Database
from resolvers.errors import Unauthenticated
from resolvers.media.storage import MediaStorage
from resolvers.media.urls import DEFAULT_WIDTHS, MediaUrls, negotiate_extension
from resolvers.pagination import PageArgs, page_args, page_number_args
from resolvers.search.gate import SearchGate
from resolvers.site import Site
from schema.loaders import RequestLoaders


class QueryBudget(Protocol):
    """The client's rate-limit budget, as the query limits charge it (``ClientBudget``)."""

    async def charge_query(self, cost: int) -> bool: ...

    def error(self) -> GraphQLError: ...


class EventStream(Protocol):
    """The live event hub subscriptions listen to (``gateway.events.pubsub.EventHub``)."""

    def subscribe(self) -> AbstractAsyncContextManager[asyncio.Queue[dict[str, Any]]]: ...


@dataclass
class Metering:
    """What the query limits need and report for one operation: the budget to charge with the
    query's cost, and that cost once computed (the response's ``extensions.cost``)."""

    budget: QueryBudget | None = None
    cost: int | None = None


@dataclass
class Context:
    request: Any
    db: Database
    site: Site
    viewer: Viewer
    now: datetime  # one clock per request: every visibility check compares with it
    loaders: RequestLoaders
    default_page_size: int = 10
    max_page_size: int = 100
    max_page_offset: int = 10_000
    # What this response depends on, for the response cache and CDN tags.
    tags: TagCollector = field(default_factory=TagCollector)
    # write hooks, preview tokens, and whether the response must stay out of caches
    hooks: ChangeHooks = field(default_factory=ChangeHooks)
    preview: PreviewTokens | None = None
    private: bool = False
    # The process's search limits (one gate per app, shared by all its requests).
    search_gate: SearchGate = field(default_factory=SearchGate)
    snippet_length: int = 160
    # Whether queries may run on compiled plans, and which path ran (schema.execution).
    compiled_execution: bool = False
    execution_path: str = ""
    metering: Metering = field(default_factory=Metering)
    # The locale Accept-Language chose (GATEWAY_LOCALE_FROM_ACCEPT_LANGUAGE), used where a
    # query names none; None: the header is not read (the default) or matched no served locale.
    locale: str | None = None
    # WebSocket only: the live event hub and the ``connection_init`` payload (Strawberry sets
    # it on the context).
    events: EventStream | None = None
    connection_params: dict[str, Any] = field(default_factory=dict)
    # The media library: originals' storage, and the URL builder for a base URL.
    media_storage: MediaStorage | None = None
    media_urls_for: Callable[[str], MediaUrls] | None = None

    def __post_init__(self) -> None:
        self.loaders.media_urls = self.media_urls

    def media_urls(self) -> MediaUrls:
        """URLs of assets, under this request's base URL (unless configured otherwise); without
        a media runtime (a context built for a test or a tool), site-relative built-in URLs."""
        base_url = str(getattr(self.request, "base_url", None) or "").rstrip("/")
        if self.media_urls_for is None:
            return MediaUrls(base_url, tuple(DEFAULT_WIDTHS))
        return self.media_urls_for(base_url)

    def image_extension(self) -> str | None:
        """The format AUTO picks from the request's Accept header (see the response cache,
        which keys answers by the same value)."""
        headers = getattr(self.request, "headers", None)
        return negotiate_extension(headers.get("accept") if headers is not None else None)

    def renew(self, now: datetime, viewer: Viewer | None = None) -> None:
        """A new clock (and viewer) with empty dataloaders: for each event of a long-lived
        subscription, so nothing loaded for an earlier event is served as current."""
        self.now = now
        if viewer is not None:
            self.viewer = viewer
        self.tags = TagCollector()
        self.loaders = RequestLoaders(self.db, self.viewer, now, self.tags)
        self.loaders.media_urls = self.media_urls

    def command_env(self) -> CommandEnv:
        self.private = True
        return CommandEnv(
            db=self.db, site=self.site, viewer=self.viewer, now=self.now, hooks=self.hooks
        )

    def preview_viewer(self, token: str) -> Viewer:
        """The viewer plus the one article a preview token opens; the response turns private."""
        self.private = True
        if self.preview is None:
            raise Unauthenticated("Preview tokens are not available here.")
        return replace(self.viewer, preview_article_id=self.preview.verify(token, self.now))

    def page(
        self,
        first: int | None,
        after: str | None,
        last: int | None = None,
        before: str | None = None,
    ) -> PageArgs:
        return page_args(
            first, after, last, before, default=self.default_page_size, maximum=self.max_page_size
        )

    def numbered_page(self, page: int, per_page: int | None) -> PageArgs:
        size = self.default_page_size if per_page is None else per_page
        return page_number_args(
            page, size, maximum=self.max_page_size, max_offset=self.max_page_offset
        )


Info = strawberry.Info[Context, None]


@dataclass(frozen=True)
class ContextFactory:
    """Builds every context the same way: HTTP requests, WebSocket connections, and (through
    ``Context.renew``) each subscription event."""

    db: Database
    site: Site
    default_page_size: int = 10
    max_page_size: int = 100
    max_page_offset: int = 10_000
    hooks: ChangeHooks = field(default_factory=ChangeHooks)
    preview: PreviewTokens | None = None
    events: EventStream | None = None
    # The process's search limits: one gate shared by every context this factory makes.
    search_gate: SearchGate = field(default_factory=SearchGate)
    snippet_length: int = 160
    media_storage: MediaStorage | None = None
    media_urls_for: Callable[[str], MediaUrls] | None = None

    def __call__(
        self,
        request: Any,
        viewer: Viewer,
        now: datetime,
        *,
        tags: TagCollector | None = None,
        metering: Metering | None = None,
        locale: str | None = None,
    ) -> Context:
        tags = tags if tags is not None else TagCollector()
        return Context(
            request=request,
            db=self.db,
            site=self.site,
            viewer=viewer,
            now=now,
            loaders=RequestLoaders(self.db, viewer, now, tags),
            default_page_size=self.default_page_size,
            max_page_size=self.max_page_size,
            max_page_offset=self.max_page_offset,
            tags=tags,
            hooks=self.hooks,
            preview=self.preview,
            metering=metering if metering is not None else Metering(),
            events=self.events,
            search_gate=self.search_gate,
            snippet_length=self.snippet_length,
            media_storage=self.media_storage,
            media_urls_for=self.media_urls_for,
            locale=locale,
        )
