"""The ``content-gateway worker`` command as real processes: a SIGKILLed worker loses nothing,
and several workers on PostgreSQL never deliver the same attempt twice."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from resolvers.db import Database, make_engine
from resolvers.events import deliveries
from resolvers.events.models import event_delivery_t
from tests.event_support import HANG, Received, add_webhook, delivery_rows, emit, receiver, until

CLI = shutil.which("content-gateway", path=str(Path(sys.executable).parent)) or "content-gateway"


def worker_env(database_url: str, **settings: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(
        GATEWAY_DATABASE_URL=database_url,
        GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
        GATEWAY_EVENTS_POLL_INTERVAL="0.05",
        GATEWAY_WEBHOOK_BACKOFF_BASE="0.05",
    )
    env.update({f"GATEWAY_{k.upper()}": str(v) for k, v in settings.items()})
    return env


async def start_worker(env: dict[str, str], name: str, cwd: Path) -> asyncio.subprocess.Process:
    with (cwd / f"{name}.log").open("wb") as log:  # the child keeps its own descriptor
        return await asyncio.create_subprocess_exec(
            CLI, "worker", "--name", name, env=env, cwd=cwd, stdout=log, stderr=log
        )


async def running(cwd: Path, name: str, within: float = 30.0) -> None:
    """Until the worker says it runs: its SIGTERM handler is installed then (a SIGTERM while
    it is still starting ends the process the default way, -15)."""
    log = cwd / f"{name}.log"
    await until(lambda: f"worker {name} running" in log.read_text(errors="replace"), within)


async def stop(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), 15)


async def test_killed_worker_mid_delivery_loses_nothing(database_url, db, tmp_path):
    answers = iter([HANG, 200])  # the first attempt never gets an answer
    async with receiver(lambda _: next(answers)) as r:
        _, secret = await add_webhook(db, r.url)
        event_id = await emit(db, "article.published", 3)
        env = worker_env(database_url, webhook_timeout=2, events_lease_seconds=3)
        first = await start_worker(env, "first", tmp_path)
        try:
            await r.wait_for(1, within=30)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        [row] = await delivery_rows(db)
        assert (row.status, row.attempts, row.leased_by) == ("pending", 1, "first")
        assert row.lease_until is not None  # claimed, never confirmed

        second = await start_worker(env, "second", tmp_path)
        try:
            _, retry = await r.wait_for(2, within=30)  # after the lease expired
            await until(lambda: _status_is(db, "delivered"), within=15)
        finally:
            assert await stop(second) == 0
    assert retry.headers["webhook-id"] == event_id
    assert Webhook(secret).verify(retry.body, retry.headers)["type"] == "article.published"
    [row] = await delivery_rows(db)
    assert (row.status, row.attempts, row.leased_by) == ("delivered", 2, "second")
    assert len(r.requests) == 2


async def _status_is(db: Database, status: str) -> bool:
    rows = await delivery_rows(db)
    return bool(rows) and all(row.status == status for row in rows)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_two_workers_never_deliver_the_same_attempt(database_url, db, tmp_path):
    seen: list[Received] = []

    def answer(request: Received) -> int:
        seen.append(request)
        return 200

    async with receiver(answer) as r:
        await add_webhook(db, r.url)
        for version in (1, 2, 3, 4):
            for entity in range(1, 11):
                await emit(db, "article.updated", entity, version=version)
        env = worker_env(database_url, events_batch_size=3)
        workers = [await start_worker(env, f"w{i}", tmp_path) for i in (1, 2)]
        try:
            for i in (1, 2):  # both compete for the deliveries, and both stop cleanly
                await running(tmp_path, f"w{i}")
            await r.wait_for(40, within=60)
            await until(lambda: _status_is(db, "delivered"), within=30)
        finally:
            codes = [await stop(w) for w in workers]
    assert codes == [0, 0]
    counts = Counter(request.headers["webhook-id"] for request in seen)
    assert len(counts) == 40 and set(counts.values()) == {1}
    rows = await delivery_rows(db)
    assert len(rows) == 40 and {row.attempts for row in rows} == {1}
    for entity in range(1, 11):
        versions = [q.json()["data"]["version"] for q in seen if q.json()["data"]["id"] == entity]
        assert versions == [1, 2, 3, 4]


@pytest.mark.parametrize("backend", ["postgres"])
async def test_locked_deliveries_are_skipped_not_waited_for(database_url, db):
    async with receiver() as r:
        await add_webhook(db, r.url)
        for entity in (1, 2):
            await emit(db, "article.updated", entity)
    now = datetime.now(UTC)
    await deliveries.dispatch(db, now, limit=10, purge=False)
    other = Database(make_engine(database_url))
    try:
        async with other.engine.begin() as conn:
            # Another worker holds row locks mid-claim: this claim must skip them at once.
            locked = await conn.execute(
                select(event_delivery_t.c.id)
                .where(event_delivery_t.c.entity_key == "article:1")
                .with_for_update()
            )
            assert len(locked.all()) == 1
            claimed = await asyncio.wait_for(
                deliveries.claim(db, now, limit=10, lease_seconds=30, worker="me"), 5
            )
            assert [c.event.entity_id for c in claimed] == [2]
    finally:
        await other.dispose()
