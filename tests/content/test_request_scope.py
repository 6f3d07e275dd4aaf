"""A request's dataloader batches end with the request (``RequestScope``, issue #14 item 29).

aiodataloader runs each batch in a task of its own. Before the scope, a batch whose request had
already ended (timed out, cancelled by a failing sibling field) ran on with its connection; when
the app shut down meanwhile, that connection went back into a pool already disposed of and was
never closed (the aiosqlite connection "garbage-collected unclosed" that CI saw now and then).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text

from resolvers.access import ANONYMOUS
from schema.loaders import RequestLoaders
from tests.support import add_article, add_author


@pytest.fixture
async def article(db) -> int:
    return await add_article(db, "Scoped", authors=[await add_author(db, "Grace Hopper")])


def checkouts(db) -> list[int]:
    """Pool checkouts of ``db``'s engine, as they happen (the list grows by one each)."""
    seen: list[int] = []
    event.listen(db.engine.sync_engine, "checkout", lambda *_: seen.append(1))
    return seen


async def test_closing_stops_a_running_batch_and_returns_its_connection(db, article):
    loaders = RequestLoaders(db, ANONYMOUS, datetime.now(UTC))
    started = asyncio.Event()
    event.listen(db.engine.sync_engine, "checkout", lambda *_: started.set())
    pending = loaders.article_by_id.load(article)
    await started.wait()  # the batch holds a connection now
    assert db.engine.pool.checkedout() == 1
    await loaders.close()
    assert db.engine.pool.checkedout() == 0
    with pytest.raises(asyncio.CancelledError):
        await pending


async def test_a_batch_due_after_the_request_ended_never_reaches_the_database(db, article):
    loaders = RequestLoaders(db, ANONYMOUS, datetime.now(UTC))
    seen = checkouts(db)
    pending = loaders.article_by_id.load(article)  # its batch is scheduled, not started
    await loaders.close()
    with pytest.raises(asyncio.CancelledError):
        await pending
    # One more statement on this loop: the batch's dispatch, queued before it, has had its turn.
    assert await db.scalar(text("SELECT 1")) == 1
    assert seen == [1]  # that statement's own checkout only
    assert db.engine.pool.checkedout() == 0


async def test_an_open_request_loads_as_before(db, article):
    loaders = RequestLoaders(db, ANONYMOUS, datetime.now(UTC))
    row = await loaders.article_by_id.load(article)
    assert row.title == "Scoped"
    await loaders.close()
    assert db.engine.pool.checkedout() == 0
