"""Durable cache purges: each write records the tags it made stale, numbered in commit order.

A purge row is written inside the write's transaction (``purge_recorder``), so an acknowledged
write always has its purge on record, whatever happens to Redis or to the process afterwards.
Numbers (``gen``) follow commit order: on PostgreSQL the writer takes a transaction-scoped
advisory lock before it picks ``max(gen) + 1`` (held until COMMIT); SQLite already serialises
writers. A reader therefore never sees ``gen`` N+1 committed before N, and "everything after the
last generation I applied" is a complete list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.cache_tags import tags_for_recorded
from resolvers.changes import ChangeSet
from resolvers.db import Database, now_utc
from resolvers.hot.driver import HotStatement
from resolvers.models import cache_purge_t
from resolvers.site import Site

# Any fixed 64-bit number: the advisory lock that orders purge generations on PostgreSQL.
ADVISORY_LOCK = 0x63616368_65707267
MAX_BATCH = 500


@dataclass(frozen=True, slots=True)
class Purge:
    gen: int
    tags: tuple[str, ...]


async def record_purge(session: AsyncSession, tags: set[str], now: datetime) -> int:
    """Write one purge in the caller's transaction; returns its generation."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
    latest = (await session.execute(select(func.max(cache_purge_t.c.gen)))).scalar()
    gen = int(latest or 0) + 1
    await session.execute(insert(cache_purge_t).values(gen=gen, tags=sorted(tags), created_at=now))
    return gen


def purge_recorder(site: Site) -> Callable[[AsyncSession, ChangeSet], Awaitable[None]]:
    """The in-transaction write hook that records a write's cache purge."""

    async def hook(session: AsyncSession, changes: ChangeSet) -> None:
        tags: set[str] = set()
        for change in changes:
            tags |= tags_for_recorded(change, site)
        if tags:
            await record_purge(session, tags, now_utc())

    return hook


async def latest_generation(db: Database) -> int:
    return int(await db.scalar(select(func.max(cache_purge_t.c.gen))) or 0)


def _purges_after(_is_sqlite: bool) -> Select[tuple[int, list[str]]]:
    return (
        select(cache_purge_t.c.gen, cache_purge_t.c.tags)
        .where(cache_purge_t.c.gen > bindparam("gen"))
        .order_by(cache_purge_t.c.gen)
        .limit(bindparam("limit"))
    )


# Read right after every write by whoever answers from the cache next (the hits of that moment
# wait for it): on the lean path, not queued behind the writers on a pooled connection.
PURGES_AFTER = HotStatement("purges-after", _purges_after)


async def purges_after(db: Database, gen: int, limit: int = MAX_BATCH) -> list[Purge]:
    """The purges committed after generation ``gen``, oldest first (one index seek; usually
    none)."""
    rows = await PURGES_AFTER.all(db, gen=gen, limit=limit)
    return [Purge(int(r.gen), tuple(r.tags)) for r in rows]


def _next_purge(_is_sqlite: bool) -> Select[tuple[int]]:
    return (
        select(cache_purge_t.c.gen)
        .where(cache_purge_t.c.gen > bindparam("gen"))
        .order_by(cache_purge_t.c.gen)
        .limit(1)
    )


# Asked before answering from the cache (shared by the hits of a moment): on the lean path.
NEXT_PURGE = HotStatement("next-purge", _next_purge)


async def purge_pending(db: Database, gen: int) -> bool:
    """Whether a purge was committed after generation ``gen`` (one index seek)."""
    return bool(await NEXT_PURGE.all(db, gen=gen))


async def prune_purges(db: Database, now: datetime, keep: timedelta) -> int:
    """Forget purges older than ``keep`` (the newest always stays: it carries the counter)."""
    latest = await latest_generation(db)
    async with db.engine.begin() as conn:
        result = await conn.execute(
            delete(cache_purge_t).where(
                cache_purge_t.c.created_at < now - keep, cache_purge_t.c.gen < latest
            )
        )
    return int(result.rowcount or 0)
