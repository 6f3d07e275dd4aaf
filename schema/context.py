"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import strawberry

from resolvers.access import Viewer
from resolvers.auth.preview import PreviewTokens
from resolvers.cache_tags import TagCollector
from resolvers.changes import ChangeHooks
from resolvers.commands import CommandEnv
from resolvers.db import Database
from resolvers.errors import Unauthenticated
from resolvers.pagination import PageArgs, page_args
from resolvers.site import Site
from schema.loaders import RequestLoaders


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
    # What this response depends on, for the response cache and CDN tags.
    tags: TagCollector = field(default_factory=TagCollector)
    # write hooks, preview tokens, and whether the response must stay out of caches
    hooks: ChangeHooks = field(default_factory=ChangeHooks)
    preview: PreviewTokens | None = None
    private: bool = False
    # Whether queries may run on compiled plans, and which path ran (schema.execution).
    compiled_execution: bool = False
    execution_path: str = ""

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


Info = strawberry.Info[Context, None]
