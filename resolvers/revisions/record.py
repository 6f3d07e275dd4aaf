"""Writing revisions inside the write's transaction.

``record_revisions`` runs in ``unit_of_work`` just before COMMIT for every write with changes, so
mutations, CLI commands and importers all leave revisions without asking for them. Each changed
article or author gets one revision holding the state the write produced; a hard-deleted author
or a trashed article gets a ``deleted`` revision repeating its last state (so who deleted it,
and when, is kept; a trashed article's parked slug is not content).

``ensure_baselines`` runs when a command locks a row it is about to change: content that was
written before revisions existed (or inserted directly) first gets a ``baseline`` revision of its
current state, so the state before every committed change is always stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.revisions.models import revision_t
from resolvers.revisions.state import TRACKED, changed_fields, decode, encode, read_states

r = revision_t


async def latest_revisions(
    session: AsyncSession, entity: str, ids: Iterable[int]
) -> dict[int, Any]:
    """The newest revision row of each entity id (one query)."""
    wanted = list(ids)
    if not wanted:
        return {}
    newest = (
        select(func.max(r.c.id))
        .where(r.c.entity_type == entity, r.c.entity_id.in_(wanted))
        .group_by(r.c.entity_id)
    )
    rows = (await session.execute(select(r).where(r.c.id.in_(newest)))).all()
    return {row.entity_id: row for row in rows}


async def _insert(
    session: AsyncSession,
    entity: str,
    entity_id: int,
    version: int,
    state: dict[str, Any],
    *,
    action: str,
    previous: dict[str, Any] | None,
    actor: str | None,
    operation: str | None,
    now: datetime,
) -> None:
    blob, size = encode(state)
    await session.execute(
        insert(r).values(
            entity_type=entity,
            entity_id=entity_id,
            version=version,
            action=action,
            operation=operation,
            actor=actor,
            created_at=now,
            changed_fields=changed_fields(previous, state) if action != "deleted" else [],
            state=blob,
            state_bytes=size,
        )
    )


async def ensure_baselines(
    session: AsyncSession, entity: str, ids: Iterable[int], now: datetime
) -> None:
    """A ``baseline`` revision of the current state for rows that have none yet."""
    wanted = list(ids)
    if not wanted:
        return
    have = set(
        (
            await session.scalars(
                select(r.c.entity_id)
                .where(r.c.entity_type == entity, r.c.entity_id.in_(wanted))
                .distinct()
            )
        ).all()
    )
    missing = [i for i in wanted if i not in have]
    for entity_id, (version, state) in (await read_states(session, entity, missing)).items():
        await _insert(
            session, entity, entity_id, version, state, action="baseline", previous=None,
            actor=None, operation=None, now=now,
        )  # fmt: skip


async def record_revisions(
    session: AsyncSession,
    changes: Any,
    *,
    actor: str | None,
    operation: str | None,
    now: datetime,
) -> None:
    """One revision per article/author the write changed (see the module docstring)."""
    for entity in TRACKED:
        actions: dict[int, str] = {}
        for change in changes:
            if change.entity == entity:
                first = actions.get(change.entity_id)
                actions[change.entity_id] = "created" if first == "created" else change.action
        if not actions:
            continue
        states = await read_states(session, entity, list(actions))
        latest = await latest_revisions(session, entity, actions)
        for entity_id, action in actions.items():
            last = latest.get(entity_id)
            previous = None if last is None else decode(last.state)
            if action == "deleted":  # trashed or gone: its content is the last state
                version = states[entity_id][0] if entity_id in states else None
                if last is not None:
                    await _insert(
                        session, entity, entity_id, version or last.version, previous or {},
                        action="deleted", previous=previous, actor=actor, operation=operation,
                        now=now,
                    )  # fmt: skip
                continue
            if entity_id not in states:
                continue
            version, state = states[entity_id]
            if last is not None and last.version == version and previous == state:
                continue  # nothing new was written (e.g. a related listing only)
            await _insert(
                session, entity, entity_id, version, state, action=action, previous=previous,
                actor=actor, operation=operation, now=now,
            )  # fmt: skip
