"""The transactional outbox: every content change writes an event row in its own transaction.

``record_event`` takes the session (or connection) of the write, so the event commits or rolls
back together with the change: a rolled-back write leaves no event, a committed one never loses
its event. The delivery worker (``resolvers/deliveries.py`` + ``gateway/worker.py``) turns the
rows into webhook deliveries, purges and live subscription messages.

Event types are ``<entity>.<action>``: articles have ``created``, ``updated``, ``published``,
``unpublished``, ``scheduled``, ``archived``, ``deleted`` (to the trash), ``restored`` (from
it) and the review steps ``submitted``, ``approved`` and ``changes_requested``; authors,
categories, tags and redirects have ``created``, ``updated`` and ``deleted``; an import run
writes one ``import.completed`` summary. Payloads carry identifiers only (ids,
slug, paths before/after, version), never content: receivers fetch what they need.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from resolvers.db import as_utc, now_utc
from resolvers.events.models import outbox_event_t
from resolvers.visibility import PUBLIC

ENTITY_TYPES = ("article", "author", "category", "tag", "redirect")
ARTICLE_ACTIONS = (
    "created",
    "updated",
    "published",
    "unpublished",
    "scheduled",
    "archived",
    "deleted",
    "restored",
    "submitted",
    "approved",
    "changes_requested",
)
OTHER_ACTIONS = ("created", "updated", "deleted")
EVENT_TYPES: tuple[str, ...] = tuple(f"article.{a}" for a in ARTICLE_ACTIONS) + tuple(
    f"{e}.{a}" for e in ENTITY_TYPES[1:] for a in OTHER_ACTIONS
)
# An import writes one summary event instead of one per row (``resolvers/imports/run.py``).
SUMMARY_EVENTS = ("import.completed",)
EVENT_TYPES += SUMMARY_EVENTS
REMOVALS = ("article.unpublished", "article.archived", "article.deleted")


def new_event_id() -> str:
    """The Standard Webhooks message id: stable across retries, so receivers can deduplicate."""
    return f"msg_{uuid.uuid4().hex}"


def check_patterns(patterns: Sequence[str]) -> list[str]:
    """The problems of a webhook's event filter (empty when valid). ``*`` matches every event,
    ``article.*`` every event of one entity type, anything else must be a known event type."""
    problems = []
    if not patterns:
        problems.append('List at least one event type, or "*" for all of them.')
    for pattern in patterns:
        entity, _, action = pattern.partition(".")
        if pattern == "*" or (action == "*" and entity in (*ENTITY_TYPES, "import")):
            continue
        if pattern not in EVENT_TYPES:
            problems.append(f"Unknown event type {pattern[:60]!r}.")
    return problems


def matches(patterns: Iterable[str], event_type: str) -> bool:
    entity = event_type.partition(".")[0]
    return any(p in ("*", event_type, f"{entity}.*") for p in patterns)


# (status, published_at) or (status, published_at, unpublish_at) of an article
Timing = tuple[str, datetime | None] | tuple[str, datetime | None, datetime | None]


def _state(timing: Timing, now: datetime) -> str:
    return PUBLIC.state(timing[0], timing[1], now, timing[2] if len(timing) > 2 else None)


def article_event_type(before: Timing | None, after: Timing | None, now: datetime) -> str:
    """The event of an article write, from its status and publication times before and after."""
    if before is None:
        return "article.created"
    if after is None:
        return "article.deleted"
    old, new = _state(before, now), _state(after, now)
    if old == new:
        rescheduled = new == "scheduled" and as_utc(before[1]) != as_utc(after[1])
        return "article.scheduled" if rescheduled else "article.updated"
    if old == "in_review" and new == "draft":
        return "article.changes_requested"
    return {
        "published": "article.published",
        "draft": "article.unpublished",
        "expired": "article.unpublished",
        "scheduled": "article.scheduled",
        "archived": "article.archived",
        "in_review": "article.submitted",
    }[new]


async def record_event(
    conn: AsyncSession | AsyncConnection,
    event_type: str,
    entity_id: int,
    *,
    slug: str | None = None,
    paths_before: Iterable[str] = (),
    paths_after: Iterable[str] = (),
    version: int | None = None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
    available_at: datetime | None = None,
) -> str:
    """Write one event in the caller's transaction and return its id.

    ``data`` adds fields to the payload (``public``/``wasPublic``, ``publishedAt``, related
    entities, ...). ``available_at`` defers dispatch (a scheduled article goes live then).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    entity_type = event_type.partition(".")[0]
    now = now or now_utc()
    event_id = new_event_id()
    payload: dict[str, Any] = {
        "entityType": entity_type,
        "id": entity_id,
        "slug": slug,
        "pathsBefore": sorted(set(paths_before)),
        "pathsAfter": sorted(set(paths_after)),
        "version": version,
        **(data or {}),
    }
    await conn.execute(
        insert(outbox_event_t).values(
            event_id=event_id,
            type=event_type,
            entity_type=entity_type,
            entity_id=entity_id,
            payload=payload,
            created_at=now,
            available_at=available_at or now,
        )
    )
    return event_id


async def record_article_event(
    conn: AsyncSession | AsyncConnection,
    row: Any,
    event_type: str,
    *,
    paths_before: Iterable[str] = (),
    paths_after: Iterable[str] = (),
    was_public: bool,
    related: Iterable[tuple[str, int]] = (),
    now: datetime | None = None,
) -> str:
    """An article event from its row after the write (before it, for a deletion). A scheduled
    publication also records the ``article.published`` that becomes due at its time."""
    now = now or now_utc()
    published_at, unpublish_at = as_utc(row.published_at), as_utc(row.unpublish_at)
    state = PUBLIC.state(row.status, published_at, now, unpublish_at)
    public = event_type != "article.deleted" and PUBLIC.holds(row, now)
    data = {
        "locale": row.locale,
        "status": state,
        "publishedAt": published_at.isoformat() if published_at else None,
        "unpublishAt": unpublish_at.isoformat() if unpublish_at else None,
        "public": public,
        "wasPublic": was_public,
        "related": sorted([k, i] for k, i in set(related)),
    }
    common = {"slug": row.slug, "version": row.version, "now": now}
    event_id = await record_event(
        conn, event_type, row.id, paths_before=paths_before, paths_after=paths_after,
        data=data, **common,
    )  # fmt: skip
    if event_type == "article.scheduled" and published_at is not None:
        due = {**data, "status": "published", "public": True, "scheduled": True}
        await record_event(
            conn, "article.published", row.id, paths_after=paths_after, data=due,
            available_at=published_at, **common,
        )  # fmt: skip
    ends = event_type != "article.deleted" and state in ("scheduled", "published")
    if ends and unpublish_at is not None and unpublish_at > now:
        # Its end of publication: purges and subscribers hear of it when it passes.
        gone = {**data, "status": "expired", "public": False, "wasPublic": True, "scheduled": True}
        await record_event(
            conn, "article.unpublished", row.id, paths_before=paths_after, data=gone,
            available_at=unpublish_at, **common,
        )  # fmt: skip
    return event_id
