"""A Redis outage, with real processes: `content-gateway serve` and `content-gateway worker`
against a Redis server of the test's own, which is killed (-9) and started again.

While Redis is down the gateway keeps serving (uncached, per-instance rate limits) without
spinning, logs one warning per component instead of a traceback per request, and /readyz
reports Redis degraded while staying ready. Once Redis is back both processes reconnect by
themselves, the worker dispatches again, and SIGTERM still stops them.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson
import redis

from gateway.cli.main import run_migrations
from resolvers.db import Database
from tests.auth_support import add_token, gid
from tests.live_server import free_port, run_async
from tests.process_support import CLI, RedisServer, cpu_seconds, gateway_env, spawn, stop
from tests.support import add_article, add_author

CHANNEL = "content-gateway:events"
QUERY = {"query": "{ articles(first: 5) { nodes { title } } }"}
CREATE = """mutation ($input: CreateArticleInput!) { createArticle(input: $input) {
  __typename ... on ArticleSaved { article { databaseId } } } }"""
OUTAGE_WINDOW = 3.0  # seconds of outage over which the processes' CPU time is measured
CPU_BOUND = 1.0  # CPU seconds: idle serving uses a few hundredths; a busy loop uses all of it


async def seed(db: Database) -> tuple[str, int]:
    author = await add_author(db, "Grace Hopper", slug="grace")
    await add_article(db, "Compilers", authors=[author], slug="compilers")
    return await add_token(db, "admin"), author


def next_event(pubsub: redis.client.PubSub, within: float) -> dict[str, object]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        message = pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
        if message is not None and message["type"] == "message":
            return dict(orjson.loads(message["data"]))
    raise AssertionError(f"no live event within {within}s")


def test_redis_outage_keeps_serving_and_recovers(tmp_path: Path) -> None:
    server_redis = RedisServer(tmp_path).start()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    run_migrations(database_url)
    token, author = run_async(seed, database_url)
    port = free_port()
    env = gateway_env(
        database_url,
        GATEWAY_REDIS_URL=server_redis.url,
        GATEWAY_EVENTS_WORKER="false",  # the worker command dispatches (one worker on SQLite)
        GATEWAY_EVENTS_POLL_INTERVAL="0.2",
        GATEWAY_ACCESS_LOG="false",
    )
    server = spawn([str(CLI), "serve", "--bind", f"127.0.0.1:{port}"], env, tmp_path)
    worker = spawn([str(CLI), "worker"], env, tmp_path)
    try:
        server.wait_for("Running on", timeout=60)
        worker.wait_for("running", timeout=60)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5.0) as http:
            assert http.post("/graphql", json=QUERY).status_code == 200

            server_redis.kill()
            server.wait_for("Redis", timeout=15)  # the live-event listener noticed
            worker.wait_for("Redis", timeout=15)
            mark = len(server.lines)
            cpu_before = cpu_seconds(server.process.pid), cpu_seconds(worker.process.pid)
            started = time.monotonic()
            for _ in range(20):
                assert http.get("/healthz", timeout=2.0).status_code == 200
                answer = http.post("/graphql", json=QUERY, timeout=2.0)
                assert answer.status_code == 200, answer.text
                assert answer.json()["data"]["articles"]["nodes"] == [{"title": "Compilers"}]
            ready = http.get("/readyz", timeout=5.0)
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "ready"
            assert ready.json()["checks"]["redis"]["status"] == "degraded"
            # A measurement window, not a wait for an outcome: CPU used during the outage.
            time.sleep(max(0.0, OUTAGE_WINDOW - (time.monotonic() - started)))
            server_cpu = cpu_seconds(server.process.pid) - cpu_before[0]
            worker_cpu = cpu_seconds(worker.process.pid) - cpu_before[1]
            assert server_cpu < CPU_BOUND, f"serve used {server_cpu:.2f} CPU s while idle"
            assert worker_cpu < CPU_BOUND, f"worker used {worker_cpu:.2f} CPU s while idle"
            outage_log = "".join(server.lines[mark:])
            assert "Traceback" not in outage_log
            # 40 requests: at most one line from the response cache and one from rate limits.
            assert outage_log.count("Redis is unreachable") <= 2, outage_log

            server_redis.start()  # the same port, empty
            server.wait_for("live events: Redis is reachable again", timeout=30)
            worker.wait_for("live events: Redis is reachable again", timeout=30)
            listener = redis.Redis.from_url(server_redis.url)
            pubsub = listener.pubsub()
            pubsub.subscribe(CHANNEL)
            try:
                new_article = {"title": "After", "authorIds": [gid("Author", author)]}
                created = http.post(
                    "/graphql",
                    json={"query": CREATE, "variables": {"input": new_article}},
                    headers={"authorization": f"Bearer {token}"},
                )
                assert created.json()["data"]["createArticle"]["__typename"] == "ArticleSaved"
                article_id = created.json()["data"]["createArticle"]["article"]["databaseId"]
                event = next_event(pubsub, within=20)
                assert (event["entityType"], event["entityId"]) == ("article", article_id)
            finally:
                pubsub.close()
                listener.close()
            assert http.get("/healthz", timeout=2.0).status_code == 200
        assert stop(server) == 0
        assert stop(worker) == 0
    finally:
        stop(server, timeout=5)
        stop(worker, timeout=5)
        server_redis.kill()
