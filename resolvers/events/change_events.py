"""Outbox events from the writes' change sets: the in-transaction hook every command runs.

``record_change_events`` runs inside the write's transaction, just before COMMIT (see
``resolvers/changes.py``), and writes one outbox event per changed content entity: so the events
commit or roll back with the content. API-token changes are not content and have no events.

An article's status events (published, unpublished, scheduled, archived) compare its row before
the write — ``Change.snapshot``, which the article commands set — with the row as the write left
it. A change without a snapshot is an ``article.updated``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.db import now_utc
from resolvers.events.outbox import (
    ENTITY_TYPES,
    article_event_type,
    record_article_event,
    record_event,
)
from resolvers.models import article_t, author_t, category_t, redirect_t, tag_t
from resolvers.visibility import PUBLIC

TABLES = {"author": author_t, "category": category_t, "tag": tag_t, "redirect": redirect_t}
ARTICLE_COLUMNS = [
    article_t.c.id,
    article_t.c.slug,
    article_t.c.locale,
    article_t.c.status,
    article_t.c.published_at,
    article_t.c.version,
    article_t.c.unpublish_at,
    article_t.c.deleted_at,
]


async def record_change_events(session: AsyncSession, changes: Any, now: datetime) -> None:
    for change in changes:
        if change.entity == "article":
            await _article_event(session, change, now)
        elif change.entity in ENTITY_TYPES:
            await _entity_event(session, change, now)


def _timing(row: Any) -> tuple[str, Any, Any]:
    return (row.status, row.published_at, row.unpublish_at)


async def _article_event(session: AsyncSession, change: Any, now: datetime) -> None:
    old = getattr(change, "snapshot", None)
    paths = {"paths_before": change.paths_before, "paths_after": change.paths_after}
    related = [tuple(k) for k in change.related]
    if change.action == "deleted":
        if old is None:
            await record_event(session, "article.deleted", change.entity_id, now=now, **paths)
            return
        await record_article_event(
            session, old, "article.deleted", was_public=PUBLIC.holds(old, now), related=related,
            now=now, **paths,
        )  # fmt: skip
        return
    row = (
        await session.execute(select(*ARTICLE_COLUMNS).where(article_t.c.id == change.entity_id))
    ).one()
    before = None if change.action == "created" else old or row
    was_public = before is not None and PUBLIC.holds(before, now)
    if change.action == "restored":
        types = ["article.restored"]
    else:
        computed = article_event_type(
            None if before is None else _timing(before), _timing(row), now
        )
        # A review step names itself; a status change it caused is its own event too.
        types = [change.event] if getattr(change, "event", None) else []
        if not types or computed != "article.updated":
            types.append(computed)
    for event_type in dict.fromkeys(types):
        await record_article_event(
            session, row, event_type, was_public=was_public, related=related, now=now, **paths
        )


async def _entity_event(session: AsyncSession, change: Any, now: datetime) -> None:
    table = TABLES[change.entity]
    slug = version = None
    columns = [c for c in (table.c.get("slug"), table.c.get("version")) if c is not None]
    if change.action != "deleted" and columns:
        row = (await session.execute(select(*columns).where(table.c.id == change.entity_id))).one()
        slug = getattr(row, "slug", None)
        version = getattr(row, "version", None)
    await record_event(
        session,
        f"{change.entity}.{change.action}",
        change.entity_id,
        slug=slug,
        paths_before=change.paths_before,
        paths_after=change.paths_after,
        version=version,
        data={"related": sorted([k, i] for k, i in set(change.related))},
        now=now,
    )


async def outbox_hook(session: AsyncSession, changes: Any) -> None:
    """``ChangeHooks.in_transaction`` hook: the outbox events of one write, in its transaction."""
    await record_change_events(session, changes, now_utc())
