"""Revision retention: what the worker prunes (``GATEWAY_REVISIONS_KEEP_LAST`` / ``_KEEP_DAYS``).

By default every revision is kept. With a limit, a revision is pruned only when no limit keeps
it: beyond the newest N of its entity *and* older than D days (one limit alone decides on its
own). The newest revision of every entity is its current (live) state and is never pruned.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, select

from resolvers.db import Database
from resolvers.revisions.models import revision_t

r = revision_t


async def prune_revisions(
    db: Database, now: datetime, keep_last: int | None, keep_days: float | None
) -> int:
    """Delete the revisions no limit keeps; returns how many. One statement."""
    if keep_last is None and keep_days is None:
        return 0
    rank = (
        func.row_number()
        .over(partition_by=(r.c.entity_type, r.c.entity_id), order_by=r.c.id.desc())
        .label("rank")
    )
    ranked = select(r.c.id, r.c.created_at, rank).subquery()
    conditions = [ranked.c.rank > max(keep_last or 1, 1)]
    if keep_days is not None:
        conditions.append(ranked.c.created_at < now - timedelta(days=keep_days))
    doomed = select(ranked.c.id).where(and_(*conditions))
    async with db.engine.begin() as conn:
        result = await conn.execute(delete(r).where(r.c.id.in_(doomed)))
    return int(result.rowcount or 0)
