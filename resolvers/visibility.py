"""Whether an article is public: the rule that keeps drafts private, written once.

An article is public when its status is ``published``, its ``published_at`` has come, its
``unpublish_at`` (if any) has not, and it is not in the trash (``deleted_at``). A ``published``
article whose time has not come is *scheduled*: readers see the state ``scheduled`` and it stays
private until then; one whose ``unpublish_at`` has passed is *expired*. Both instants are exact
and need no job: every read compares with its clock. Drafts, articles in review and archived
articles are never public.

``PUBLIC`` yields both forms of the rule from the same two facts (the status value and the
"time has come" comparison): ``PUBLIC.sql(now)`` for queries (every read path filters with it,
through ``access.article_visible`` for viewer-aware reads) and ``PUBLIC.holds(row, now)`` for
rows already read (cache tags, SEO pages, events). ``PUBLIC.state`` derives the state readers
see, SCHEDULED included. Imports only the models: every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from resolvers.db import as_utc
from resolvers.models import article_t


@dataclass(frozen=True, slots=True)
class PublicRule:
    """Status value that may be public, and the statuses that were public once."""

    status: str = "published"
    # Archived articles were public before: links and search engines may know their paths.
    once_public: tuple[str, ...] = ("published", "archived")

    def sql(self, now: datetime, table: Any = article_t) -> ColumnElement[bool]:
        """The rule as a WHERE clause over ``table`` (``article_t`` or an alias of it)."""
        return and_(
            table.c.status == self.status,
            table.c.published_at <= now,
            or_(table.c.unpublish_at.is_(None), table.c.unpublish_at > now),
            self.not_trashed_sql(table),
        )

    def not_trashed_sql(self, table: Any = article_t) -> ColumnElement[bool]:
        """Not in the trash: no reader, editors included, sees a deleted article."""
        return table.c.deleted_at.is_(None)  # type: ignore[no-any-return]

    def ends_sql(self, now: datetime, table: Any = article_t) -> ColumnElement[bool]:
        """Public now or later, with an end still to come: private again then, with no write."""
        return and_(table.c.status == self.status, table.c.unpublish_at > now)

    def scheduled_sql(self, now: datetime, table: Any = article_t) -> ColumnElement[bool]:
        """Published with a time still to come: private now, public later with no write."""
        return and_(table.c.status == self.status, table.c.published_at > now)

    def is_public(
        self,
        status: str,
        published_at: datetime | None,
        now: datetime,
        unpublish_at: datetime | None = None,
    ) -> bool:
        """The rule for values already read (SQL's ``NULL <= now`` is false, so is ours)."""
        at, ends = as_utc(published_at), as_utc(unpublish_at)
        started = status == self.status and at is not None and at <= now
        return started and (ends is None or ends > now)

    def holds(self, row: Any, now: datetime) -> bool:
        """The rule for a row with ``status``, ``published_at`` and (when the query read them)
        ``unpublish_at`` and ``deleted_at``."""
        if getattr(row, "deleted_at", None) is not None:
            return False
        ends = getattr(row, "unpublish_at", None)
        return self.is_public(row.status, row.published_at, now, ends)

    def state(
        self,
        status: str,
        published_at: datetime | None,
        now: datetime,
        unpublish_at: datetime | None = None,
    ) -> str:
        """draft | in_review | scheduled | published | expired | archived, as readers see it
        at ``now``."""
        if status != self.status or self.is_public(status, published_at, now, unpublish_at):
            return status
        at = as_utc(published_at)
        return "scheduled" if at is None or at > now else "expired"

    def was_public(self, row: Any, now: datetime) -> bool:
        """Ever visible to the public (now, or before it was archived)."""
        at = as_utc(row.published_at)
        return row.status in self.once_public and at is not None and at <= now


PUBLIC = PublicRule()
