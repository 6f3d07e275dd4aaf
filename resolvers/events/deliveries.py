"""The delivery queue: outbox events become deliveries, workers claim them under a lease.

- ``dispatch`` turns due outbox events into one delivery per subscribed webhook (and one for the
  purge hook), in event order, and marks the events dispatched. One dispatcher runs at a time
  (a PostgreSQL advisory lock), so deliveries of one entity are created in the order the events
  committed.
- ``claim`` leases deliveries: on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` so concurrent
  workers never take the same row; a delivery is only eligible when no earlier delivery of the
  same queue (webhook) and entity is still pending, which keeps each entity's events in order.
  A worker that dies leaves its lease to expire; the delivery is then claimed again.
- ``finish`` records an attempt, guarded by the lease token: a worker whose lease was taken over
  cannot confirm (or fail) the delivery a second time.

SQLite runs a single worker: the claim is one ``UPDATE ... RETURNING`` statement, which SQLite
serialises, but its single-writer lock makes several workers pointless.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update

from resolvers.db import Database, as_utc
from resolvers.events.models import event_delivery_t, outbox_event_t, webhook_t
from resolvers.events.outbox import matches
from resolvers.models import article_t
from resolvers.visibility import PUBLIC

d = event_delivery_t
o = outbox_event_t
w = webhook_t
DISPATCH_LOCK = 0x63_67_65_76  # PostgreSQL advisory lock key of the dispatcher ("cgev")
PURGE_QUEUE = "purge"


@dataclass(frozen=True, slots=True)
class Event:
    """An outbox event as the worker hands it on (webhook body, purge keys, subscriptions)."""

    seq: int
    event_id: str
    type: str
    entity_type: str
    entity_id: int
    payload: dict[str, Any]
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Event:
        return cls(
            seq=row.seq,
            event_id=row.event_id,
            type=row.type,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            payload=dict(row.payload),
            created_at=as_utc(row.created_at),
        )

    def message(self) -> dict[str, Any]:
        """The JSON body of a webhook request and of a pub/sub message."""
        return {
            "type": self.type,
            "timestamp": self.created_at.isoformat().replace("+00:00", "Z"),
            "data": self.payload,
        }


@dataclass(frozen=True, slots=True)
class Claimed:
    """A leased delivery with what sending it needs."""

    id: int
    lease_token: str
    attempts: int
    queue: str
    webhook_id: int | None
    url: str | None
    secret: str | None
    event: Event


EVENT_COLUMNS = [
    o.c.id.label("seq"),
    o.c.event_id,
    o.c.type,
    o.c.entity_type,
    o.c.entity_id,
    o.c.payload,
    o.c.created_at,
]


def _superseded(event: Event, articles: dict[int, Any]) -> bool:
    """A deferred publication (or end of publication) whose article was unpublished,
    rescheduled or trashed meanwhile."""
    if not event.payload.get("scheduled"):
        return False
    row = articles.get(event.entity_id)
    if row is None or row.status != PUBLIC.status or row.deleted_at is not None:
        return True
    if event.type == "article.unpublished":
        ends = as_utc(row.unpublish_at)
        return ends is None or ends.isoformat() != event.payload.get("unpublishAt")
    at = as_utc(row.published_at)
    return at is None or at.isoformat() != event.payload.get("publishedAt")


async def dispatch(db: Database, now: datetime, *, limit: int, purge: bool) -> list[Event]:
    """Fan due events out into deliveries; returns the events dispatched (oldest first)."""
    async with db.engine.begin() as conn:
        if not db.is_sqlite:
            locked = await conn.scalar(select(func.pg_try_advisory_xact_lock(DISPATCH_LOCK)))
            if not locked:
                return []  # another dispatcher is at work
        due = (
            select(o.c.id)
            .where(o.c.dispatched_at.is_(None), o.c.available_at <= now)
            .order_by(o.c.id)
            .limit(limit)
        )
        rows = await conn.execute(
            update(o).where(o.c.id.in_(due)).values(dispatched_at=now).returning(*EVENT_COLUMNS)
        )
        events = sorted((Event.from_row(r) for r in rows), key=lambda e: e.seq)
        if not events:
            return []
        deferred = {e.entity_id for e in events if e.payload.get("scheduled")}
        articles: dict[int, Any] = {}
        if deferred:
            found = await conn.execute(
                select(
                    article_t.c.id,
                    article_t.c.status,
                    article_t.c.published_at,
                    article_t.c.unpublish_at,
                    article_t.c.deleted_at,
                ).where(article_t.c.id.in_(deferred))
            )
            articles = {r.id: r for r in found}
        events = [e for e in events if not _superseded(e, articles)]
        hooks = (await conn.execute(select(w.c.id, w.c.events).where(w.c.enabled))).all()
        rows_out: list[dict[str, Any]] = []
        for event in events:
            key = f"{event.entity_type}:{event.entity_id}"
            queues = [(h.id, f"webhook:{h.id}") for h in hooks if matches(h.events, event.type)]
            if purge:
                queues.append((None, PURGE_QUEUE))
            rows_out.extend(
                {
                    "event_id": event.seq,
                    "webhook_id": hook_id,
                    "queue": queue,
                    "entity_key": key,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for hook_id, queue in queues
            )
        if rows_out:
            await conn.execute(insert(d), rows_out)
    return events


def _claimable(table: Any, now: datetime) -> Any:
    return and_(
        table.c.status == "pending",
        table.c.next_attempt_at <= now,
        or_(table.c.lease_until.is_(None), table.c.lease_until < now),
    )


async def claim(
    db: Database, now: datetime, *, limit: int, lease_seconds: float, worker: str
) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries, at most one per (queue, entity)."""
    c, p = d.alias("c"), d.alias("p")
    earlier = exists(select(p.c.id)).where(
        p.c.queue == c.c.queue,
        p.c.entity_key == c.c.entity_key,
        p.c.id < c.c.id,
        p.c.status == "pending",
    )
    candidates = (
        select(c.c.id)
        .select_from(c.outerjoin(w, w.c.id == c.c.webhook_id))
        .where(_claimable(c, now), or_(c.c.webhook_id.is_(None), w.c.enabled), ~earlier)
        .order_by(c.c.next_attempt_at, c.c.id)
        .limit(limit)
    )
    if not db.is_sqlite:
        candidates = candidates.with_for_update(of=c, skip_locked=True)
    token = uuid.uuid4().hex
    async with db.engine.begin() as conn:
        await conn.execute(
            update(d)
            .where(d.c.id.in_(candidates), _claimable(d, now))
            .values(
                lease_until=now + timedelta(seconds=lease_seconds),
                lease_token=token,
                leased_by=worker[:100],
                attempts=d.c.attempts + 1,
                last_attempt_at=now,
            )
        )
    rows = await db.all(
        select(d.c.id, d.c.attempts, d.c.queue, d.c.webhook_id, w.c.url, w.c.secret, *EVENT_COLUMNS)
        .select_from(d.join(o, o.c.id == d.c.event_id).outerjoin(w, w.c.id == d.c.webhook_id))
        .where(d.c.lease_token == token)
        .order_by(d.c.id)
    )
    return [
        Claimed(r.id, token, r.attempts, r.queue, r.webhook_id, r.url, r.secret, Event.from_row(r))
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt did. ``retryable`` failures are tried again until the attempts run out."""

    delivered: bool
    status_code: int | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None


def backoff_seconds(
    attempts: int, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with "equal jitter": half the doubled delay, plus up to half again
    at random, so retries of many failed deliveries do not arrive in lockstep."""
    delay = min(cap, base * 2.0 ** max(0, attempts - 1))
    return delay / 2 + (rng or random).uniform(0, delay / 2)


async def finish(
    db: Database,
    claimed: Claimed,
    outcome: Outcome,
    now: datetime,
    *,
    max_attempts: int,
    backoff_base: float,
    backoff_max: float,
) -> str | None:
    """Record the attempt; returns the new status, or None when the lease had been lost."""
    values: dict[str, Any] = {
        "lease_until": None,
        "lease_token": None,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:500] if outcome.error else None,
    }
    if outcome.delivered:
        values.update(status="delivered", delivered_at=now)
    elif outcome.retryable and claimed.attempts < max_attempts:
        delay = backoff_seconds(claimed.attempts, backoff_base, backoff_max)
        if outcome.retry_after is not None:
            delay = max(delay, min(outcome.retry_after, backoff_max))
        values.update(status="pending", next_attempt_at=now + timedelta(seconds=delay))
    else:
        values.update(status="dead")
    async with db.engine.begin() as conn:
        result = await conn.execute(
            update(d)
            .where(d.c.id == claimed.id, d.c.lease_token == claimed.lease_token)
            .values(**values)
        )
    return str(values["status"]) if result.rowcount else None


async def retry_dead(db: Database, delivery_id: int, now: datetime) -> Any | None:
    """Put a dead-lettered delivery back in the queue with a fresh set of attempts; returns
    the delivery, or None when there is no dead delivery with that id."""
    async with db.engine.begin() as conn:
        result = await conn.execute(
            update(d)
            .where(d.c.id == delivery_id, d.c.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None)
        )
    if not result.rowcount:
        return None
    return await get_delivery(db, delivery_id)


async def prune(db: Database, now: datetime, retention_hours: float) -> int:
    """Delete delivered deliveries and finished events older than the retention period.
    Dead-lettered deliveries (and their events) stay until retried or their webhook goes."""
    cutoff = now - timedelta(hours=retention_hours)
    async with db.engine.begin() as conn:
        gone = await conn.execute(
            delete(d).where(d.c.status == "delivered", d.c.delivered_at < cutoff)
        )
        events = await conn.execute(
            delete(o).where(
                o.c.dispatched_at.is_not(None),
                o.c.created_at < cutoff,
                ~exists(select(d.c.id)).where(d.c.event_id == o.c.id),
            )
        )
    return int(gone.rowcount or 0) + int(events.rowcount or 0)


DELIVERY_COLUMNS = [
    *[c for c in d.c if c.name not in ("lease_token",)],
    o.c.event_id.label("message_id"),
    o.c.type.label("event_type"),
    o.c.entity_type,
    o.c.entity_id,
]


def delivery_select() -> Any:
    return select(*DELIVERY_COLUMNS).select_from(d.join(o, o.c.id == d.c.event_id))


async def get_delivery(db: Database, delivery_id: int) -> Any | None:
    return await db.one_or_none(delivery_select().where(d.c.id == delivery_id))
