"""Webhook delivery to a real HTTP receiver on 127.0.0.1: signatures, retries, dead letters,
ordering, SSRF refusal at delivery time, the purge hook and pruning (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gateway.config.settings import Settings
from gateway.events.purge import http_purge
from gateway.events.worker import EventWorker
from resolvers.events import deliveries, webhooks
from resolvers.events.models import event_delivery_t, outbox_event_t
from tests.event_support import (
    FAST_EVENTS,
    HANG,
    Received,
    add_webhook,
    delivery_rows,
    emit,
    free_port,
    receiver,
)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(FAST_EVENTS)


async def drain(worker: EventWorker, turns: int = 50) -> None:
    """Run worker turns until one finds nothing to do (retries due later are not waited for)."""
    for _ in range(turns):
        if not await worker.run_once():
            return


@pytest.fixture
async def make_worker(db, settings: Settings):
    made: list[EventWorker] = []

    def make(**overrides: Any) -> EventWorker:
        s = settings.model_copy(update=overrides)
        worker = EventWorker(db, s, purge=overrides.get("purge_hook"), name=f"test-{len(made)}")
        made.append(worker)
        return worker

    yield make
    for worker in made:
        await worker.stop()
        await worker.aclose()


async def test_delivery_is_signed_per_standard_webhooks(db, make_worker):
    async with receiver() as r:
        hook_id, secret = await add_webhook(db, r.url)
        event_id = await emit(db, "article.published", 7, paths_after=["/articles/a7"])
        await drain(make_worker())
        [request] = await r.wait_for(1)
    assert request.method == "POST" and request.path == "/hook"
    assert request.headers["webhook-id"] == event_id
    assert request.headers["content-type"] == "application/json"
    body = Webhook(secret).verify(request.body, request.headers)  # raises when the signature fails
    assert body["type"] == "article.published"
    assert body["data"]["id"] == 7 and body["data"]["pathsAfter"] == ["/articles/a7"]
    # A receiver with another secret rejects it.
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.generate_secret()).verify(request.body, request.headers)
    [row] = await delivery_rows(db)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    assert row.webhook_id == hook_id and row.lease_token is None


async def test_only_subscribed_event_types_are_delivered(db, make_worker):
    async with receiver() as r:
        await add_webhook(db, r.url, events=["article.published", "tag.*"])
        await emit(db, "article.updated", 1)
        await emit(db, "tag.created", 2)
        await emit(db, "author.deleted", 3)
        await emit(db, "article.published", 4)
        await drain(make_worker())
        await r.wait_for(2)
    assert [q.json()["type"] for q in r.requests] == ["tag.created", "article.published"]


async def test_retries_on_500_with_backoff_then_delivers(db, make_worker):
    statuses = iter([500, 503, 200])
    async with receiver(lambda _: next(statuses)) as r:
        await add_webhook(db, r.url)
        await emit(db)
        worker = make_worker(webhook_backoff_base=0.2, webhook_backoff_max=5.0)
        worker.start()
        first, second, third = await r.wait_for(3)
        await worker.stop()
    # Equal jitter: the n-th retry waits at least half of base * 2**(n-1).
    assert second.at - first.at >= 0.1
    assert third.at - second.at >= 0.2
    assert (
        first.headers["webhook-id"] == second.headers["webhook-id"] == third.headers["webhook-id"]
    )
    [row] = await delivery_rows(db)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)


async def test_closed_port_is_retried_then_dead_lettered(db, make_worker):
    url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    await add_webhook(db, url)
    await emit(db)
    worker = make_worker(webhook_max_attempts=3, webhook_backoff_base=0.0)
    await drain(worker)
    [row] = await delivery_rows(db)
    assert (row.status, row.attempts) == ("dead", 3)
    assert row.last_status_code is None and row.last_error.startswith("network error")


async def test_dead_letter_after_max_attempts_and_retry(db, make_worker):
    answers = {"status": 500}
    async with receiver(lambda _: answers["status"]) as r:
        await add_webhook(db, r.url)
        await emit(db)
        worker = make_worker(webhook_max_attempts=2, webhook_backoff_base=0.0)
        await drain(worker)
        [row] = await delivery_rows(db)
        assert (row.status, row.attempts, row.last_status_code) == ("dead", 2, 500)
        assert len(r.requests) == 2
        # Dead letters stay put: more turns send nothing.
        await drain(worker)
        assert len(r.requests) == 2
        answers["status"] = 204
        again = await deliveries.retry_dead(db, row.id, datetime.now(UTC))
        assert again.status == "pending" and again.attempts == 0
        assert await deliveries.retry_dead(db, row.id, datetime.now(UTC)) is None  # not dead now
        await drain(worker)
        await r.wait_for(3)
    [row] = await delivery_rows(db)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 204)


async def test_client_errors_are_not_retried(db, make_worker):
    async with receiver(lambda _: 410) as r:
        await add_webhook(db, r.url)
        await emit(db)
        await drain(make_worker())
        assert len(r.requests) == 1
    [row] = await delivery_rows(db)
    assert (row.status, row.attempts, row.last_status_code) == ("dead", 1, 410)


async def test_429_honours_retry_after(db, make_worker):
    answers = iter([(429, {"retry-after": "0.3"}), 200])
    async with receiver(lambda _: next(answers)) as r:
        await add_webhook(db, r.url)
        await emit(db)
        worker = make_worker(webhook_backoff_base=0.0, webhook_backoff_max=5.0)
        worker.start()
        first, second = await r.wait_for(2)
        await worker.stop()
    assert second.at - first.at >= 0.3


async def test_timeout_is_retried(db, make_worker):
    answers = iter([HANG, 200])
    async with receiver(lambda _: next(answers)) as r:
        await add_webhook(db, r.url)
        await emit(db)
        worker = make_worker(webhook_timeout=0.3, webhook_backoff_base=0.0)
        worker.start()
        await r.wait_for(2)
        await worker.stop()
    [row] = await delivery_rows(db)
    assert (row.status, row.attempts) == ("delivered", 2)


async def test_events_of_one_entity_arrive_in_order(db, make_worker):
    seen: list[tuple[int, str]] = []
    failed_once: set[str] = set()

    def answer(request: Received) -> int:
        body = request.json()
        key = request.headers["webhook-id"]
        if body["data"]["version"] == 1 and key not in failed_once:
            failed_once.add(key)  # the first event of each entity fails once
            return 500
        seen.append((body["data"]["id"], body["data"]["version"]))
        return 200

    async with receiver(answer) as r:
        await add_webhook(db, r.url)
        for version in (1, 2, 3):
            for entity in (1, 2):
                await emit(db, "article.updated", entity, version=version)
        worker = make_worker(webhook_backoff_base=0.05)
        worker.start()
        await r.wait_for(8)
        await worker.stop()
    for entity in (1, 2):
        assert [v for e, v in seen if e == entity] == [1, 2, 3]


async def test_ssrf_target_is_refused_at_delivery_time(db, make_worker):
    async with receiver() as r:
        # Saved while private targets were allowed (or DNS pointed elsewhere)...
        await add_webhook(db, r.url)
        await emit(db)
        # ...and delivered by a worker that refuses them: nothing is sent.
        await drain(make_worker(webhook_allow_private_targets=False))
        assert r.requests == []
    [row] = await delivery_rows(db)
    assert row.status == "dead" and row.attempts == 1
    assert row.last_error.startswith("refused: 127.0.0.1 is a private, loopback")


async def test_disabled_webhook_gets_nothing_new(db, make_worker):
    async with receiver() as r:
        hook_id, _ = await add_webhook(db, r.url)
        await webhooks.update_webhook(
            db, hook_id, {"enabled": False}, rotate_secret=False, now=datetime.now(UTC)
        )
        await emit(db)
        await drain(make_worker())
        assert r.requests == []
    assert await delivery_rows(db) == []


async def test_purge_hook_gets_surrogate_keys(db, make_worker):
    async with receiver() as r:
        purge = http_purge(r.url, "POST", 5.0)
        await emit(
            db,
            "article.updated",
            5,
            paths_before=["/articles/old"],
            paths_after=["/articles/new"],
            data={"related": [["author", 2], ["tag", 9]]},
        )
        await drain(make_worker(purge_hook=purge))
        [request] = await r.wait_for(1)
    body = request.json()
    assert body["paths"] == ["/articles/new", "/articles/old"]
    assert {
        "article:5",
        "list:article",
        "article-slug:a5",
        "list:article:author:2",
        "skipped:article",  # the response cache's fallback tag (issue 5)
        "path:/articles/old",  # route(path:) answers for both paths (issue 5)
        "path:/articles/new",
    } <= set(body["surrogateKeys"])
    assert request.headers["surrogate-key"] == " ".join(body["surrogateKeys"])
    [row] = await delivery_rows(db)
    assert row.queue == "purge" and row.status == "delivered"


async def test_failing_purge_is_retried(db, make_worker):
    answers = iter([502, 200])
    async with receiver(lambda _: next(answers)) as r:
        await emit(db)
        worker = make_worker(purge_hook=http_purge(r.url, "PURGE", 5.0))
        worker.start()
        first, second = await r.wait_for(2)
        await worker.stop()
    assert first.method == second.method == "PURGE"
    assert "article:1" in second.headers["surrogate-key"].split()


async def test_lost_lease_cannot_confirm(db, make_worker):
    async with receiver() as r:
        await add_webhook(db, r.url)
        await emit(db)
        now = datetime.now(UTC)
        await deliveries.dispatch(db, now, limit=10, purge=False)
        [first] = await deliveries.claim(db, now, limit=10, lease_seconds=1, worker="a")
        later = now + timedelta(seconds=2)  # a's lease ran out; b takes over
        [second] = await deliveries.claim(db, later, limit=10, lease_seconds=1, worker="b")
        assert first.id == second.id and second.attempts == 2
        done = deliveries.Outcome(delivered=True, status_code=200)
        kw = {"max_attempts": 5, "backoff_base": 0, "backoff_max": 0}
        assert await deliveries.finish(db, first, done, later, **kw) is None
        assert await deliveries.finish(db, second, done, later, **kw) == "delivered"


async def test_delivered_events_are_pruned_after_retention(db, make_worker):
    async with receiver(lambda _: 200) as r:
        await add_webhook(db, r.url, events=["article.*"])
        await emit(db, entity_id=1)
        await drain(make_worker())
        await r.wait_for(1)
    dead_url = f"http://127.0.0.1:{free_port()}/x"
    await add_webhook(db, dead_url, events=["tag.*"])
    await emit(db, "tag.created", entity_id=2)
    await drain(make_worker(webhook_max_attempts=1))
    statuses = sorted(row.status for row in await delivery_rows(db))
    assert statuses == ["dead", "delivered"]
    old = datetime.now(UTC) - timedelta(days=30)
    async with db.engine.begin() as conn:
        await conn.execute(update(outbox_event_t).values(created_at=old))
        await conn.execute(update(event_delivery_t).values(delivered_at=old))
    assert await deliveries.prune(db, datetime.now(UTC), retention_hours=24) >= 2
    remaining = await delivery_rows(db)
    assert [row.status for row in remaining] == ["dead"]  # dead letters stay visible
    kept = await db.all(select(outbox_event_t.c.type))
    assert [k.type for k in kept] == ["tag.created"]
