"""Who is asking, and what they may see. Published content whose time has come is public."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, true

from resolvers.models import article_t


@dataclass(frozen=True, slots=True)
class Viewer:
    """The caller. ``role`` is None for anonymous readers."""

    role: str | None = None
    name: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.role is None

    @property
    def sees_unpublished(self) -> bool:
        return self.role in ("editor", "admin")


ANONYMOUS = Viewer()


def article_visible(viewer: Viewer, now: datetime, table: Any = article_t) -> ColumnElement[bool]:
    """The one visibility rule for articles, applied on every read path."""
    if viewer.sees_unpublished:
        return true()
    return and_(table.c.status == "published", table.c.published_at <= now)
