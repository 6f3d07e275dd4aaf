"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import strawberry

from resolvers.access import Viewer
from resolvers.cache_tags import EntityChange, TagCollector
from resolvers.db import Database
from resolvers.loaders import Loaders
from resolvers.pagination import PageArgs, page_args
from resolvers.site import Site


@dataclass
class Context:
    request: Any
    db: Database
    site: Site
    viewer: Viewer
    now: datetime  # one clock per request: every visibility check compares with it
    loaders: Loaders
    default_page_size: int = 10
    max_page_size: int = 100
    # What this response depends on, for the response cache and CDN tags (issue 5).
    tags: TagCollector = field(default_factory=TagCollector)
    # Write paths append what they changed after their transaction commits; the endpoint turns
    # these into cache invalidations before answering (issue 5).
    changes: list[EntityChange] = field(default_factory=list)

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
