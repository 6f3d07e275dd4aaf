"""When public content last went away: feeds and sitemaps advance ``Last-Modified`` with it.

A feed or sitemap that lost an entry must not answer ``304 Not Modified`` to a client that
fetched it before: the newest remaining entry may be older than the withdrawal. Withdrawals are
read from the rows themselves (a once-published article that is not public now was touched when
it left; a deleted public article leaves a 410 redirect) and from the events outbox (deletions
of authors, categories and tags, while the events are kept).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, not_, or_, select, union_all

from resolvers.db import Database, as_utc
from resolvers.events.models import outbox_event_t
from resolvers.models import article_t, redirect_t
from resolvers.visibility import PUBLIC

REMOVAL_EVENTS = (
    "article.unpublished",
    "article.archived",
    "article.deleted",
    "article.scheduled",
    "author.deleted",
    "category.deleted",
    "tag.deleted",
)


async def last_withdrawal(db: Database, now: datetime) -> datetime | None:
    """The latest moment any public content was withdrawn or deleted (None: never)."""
    a = article_t
    left = select(func.max(a.c.updated_at).label("at")).where(
        a.c.published_at.is_not(None), not_(PUBLIC.sql(now))
    )
    gone = select(func.max(redirect_t.c.created_at).label("at")).where(
        redirect_t.c.status_code == 410
    )
    removed = select(func.max(outbox_event_t.c.created_at).label("at")).where(
        or_(*(outbox_event_t.c.type == t for t in REMOVAL_EVENTS))
    )
    moments = union_all(left, gone, removed).subquery()
    latest: datetime | None = await db.scalar(select(func.max(moments.c.at)))
    return as_utc(latest)
