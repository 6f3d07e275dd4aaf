"""Retention: all revisions kept by default; the worker prunes beyond the limits; the newest
revision (the live state) is never pruned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from gateway.events.worker import EventWorker
from resolvers.access import CLI
from resolvers.commands import CommandEnv
from resolvers.content.article_commands import publish_article, update_article
from resolvers.db import now_utc
from resolvers.revisions.models import revision_t
from resolvers.site import Site
from tests.support import add_article, add_author


async def edited(db, article_id, times):
    env = CommandEnv(db=db, site=Site(), viewer=CLI, now=now_utc())
    for version in range(1, times + 1):
        await update_article(env, article_id, version, {"title": f"Edit {version}"})
    await publish_article(env, article_id, None, times + 1)


async def versions(db, article_id):
    rows = await db.all(
        select(revision_t.c.version)
        .where(revision_t.c.entity_id == article_id)
        .order_by(revision_t.c.id)
    )
    return [r.version for r in rows]


async def age(db, article_id, below_version, days):
    async with db.engine.begin() as conn:
        await conn.execute(
            update(revision_t)
            .where(revision_t.c.entity_id == article_id, revision_t.c.version < below_version)
            .values(created_at=now_utc() - timedelta(days=days))
        )


@pytest.fixture
async def two(db):
    ada = await add_author(db)
    first = await add_article(db, "First", authors=[ada], status="draft")
    second = await add_article(db, "Second", authors=[ada], status="draft")
    await edited(db, first, 5)
    await edited(db, second, 2)
    return first, second


async def test_default_keeps_everything(db, settings, two):
    await EventWorker(db, settings).housekeeping()
    assert await versions(db, two[0]) == [1, 2, 3, 4, 5, 6, 7]
    assert await versions(db, two[1]) == [1, 2, 3, 4]


async def test_keep_last_n_per_article(db, settings, two):
    s = settings.model_copy(update={"revisions_keep_last": 2})
    await EventWorker(db, s).housekeeping()
    assert await versions(db, two[0]) == [6, 7]
    assert await versions(db, two[1]) == [3, 4]


async def test_keep_days_never_prunes_the_live_state(db, settings, two):
    await age(db, two[0], 99, days=40)  # every revision of the first is old, the live one too
    await age(db, two[1], 3, days=40)
    s = settings.model_copy(update={"revisions_keep_days": 30})
    await EventWorker(db, s).housekeeping()
    assert await versions(db, two[0]) == [7]
    assert await versions(db, two[1]) == [3, 4]


async def test_both_limits_keep_what_either_keeps(db, settings, two):
    await age(db, two[0], 3, days=40)  # versions 1 and 2 are old
    s = settings.model_copy(update={"revisions_keep_last": 3, "revisions_keep_days": 30})
    await EventWorker(db, s).housekeeping()
    assert await versions(db, two[0]) == [3, 4, 5, 6, 7]  # young ones stay beyond the last 3
    assert await versions(db, two[1]) == [1, 2, 3, 4]
