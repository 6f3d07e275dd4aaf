"""The real server: ``content-gateway serve`` (hypercorn, worker processes) on 127.0.0.1.

Metrics summed over two workers, JSON log lines, two workers on one SQLite file while another
process writes to it, and a graceful shutdown that lets an in-flight request finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.auth_support import add_token
from tests.ops_support import GatewayServer, free_port, total
from tests.support import add_article, add_author

METRICS_TOKEN = "scraper-" + "t" * 32
QUERY = "query Front { articles(first: 5) { totalCount nodes { title authors { name } } } }"
ACCESS_FIELDS = {
    "timestamp", "level", "logger", "event", "pid", "request_id", "method", "path", "status",
    "duration_ms", "operation_name", "operation_type", "cache", "sql_statements", "db_ms",
    "client_id", "error_codes",
}  # fmt: skip


@contextlib.asynccontextmanager
async def running(
    database_url: str, tmp_path: Path, workers: int, **env: str
) -> AsyncIterator[GatewayServer]:
    server = GatewayServer(
        {"GATEWAY_DATABASE_URL": database_url, **env}, workers=workers, cwd=tmp_path
    )
    try:
        await server.start()
        yield server
    finally:
        await server.close()


async def front_page(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["articles"]


async def test_two_workers_share_metrics_logs_and_one_database(
    database_url: str, db: Any, tmp_path: Path
) -> None:
    author = await add_author(db, "Grace Hopper")
    for n in range(3):
        await add_article(db, f"Story {n}", authors=[author])
    token = await add_token(db, "editor", name="mobile-app")

    scrape = {"Authorization": f"Bearer {METRICS_TOKEN}"}  # production: /metrics needs it
    async with running(
        database_url, tmp_path, workers=2, GATEWAY_METRICS_TOKEN=METRICS_TOKEN
    ) as server:
        # No keep-alive: every request is a new connection, which either worker may accept.
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as client:
            sent = 0
            writes = 0

            async def writer() -> None:
                # Another process (this one) writes to the same database meanwhile.
                nonlocal writes
                for n in range(10):
                    await add_article(db, f"Breaking {n}", authors=[author])
                    writes += 1

            # Until access lines show both worker pids (bounded: the kernel picks the worker).
            for _round in range(20):
                pages = await asyncio.gather(
                    *(front_page(client, token) for _ in range(10)),
                    writer() if _round == 0 else _noop(),
                )
                sent += 10
                assert all(p["totalCount"] >= 3 for p in pages[:10])
                await server.wait_for(lambda _, n=sent: len(server.access_lines()) >= n)
                pids = {line["pid"] for line in server.access_lines()}
                if len(pids) == 2:
                    break
            assert len(pids) == 2, "one worker served every request"

            # Both workers see every committed write.
            final = [await front_page(client, token) for _ in range(6)]
            assert {p["totalCount"] for p in final} == {3 + writes}
            sent += 6

            exposition = (await client.get("/metrics", headers=scrape)).text
            graphql = dict(route="/graphql", status="200")
            assert total(exposition, "gateway_http_requests_total", **graphql) == sent
            assert (
                total(exposition, "gateway_graphql_operations_total", operation="Front",
                      outcome="success") == sent
            )  # fmt: skip
            assert total(exposition, "gateway_db_statements_per_request_count") == sent
            assert total(exposition, "gateway_dataloader_batch_size_count") == sent
            # A second scrape (maybe the other worker) reports the same sums.
            again = (await client.get("/metrics", headers=scrape)).text
            assert total(again, "gateway_http_requests_total", **graphql) == sent
            assert total(again, "gateway_http_requests_total", route="/metrics") >= 1

        server.signal_group(signal.SIGTERM)
        assert await server.wait_exit() == 0

    lines = server.json_lines()  # every stderr line parses as JSON
    access = [line for line in lines if line.get("logger") == "gateway.access"]
    graphql_lines = [line for line in access if line["path"] == "/graphql"]
    assert len(graphql_lines) == sent
    for line in graphql_lines:
        assert set(line) >= ACCESS_FIELDS, ACCESS_FIELDS - set(line)
        assert line["status"] == 200 and line["operation_name"] == "Front"
        assert line["sql_statements"] == 4  # token lookup, page, count, authors batch
        assert line["client_id"] == "token:mobile-app"
    output = "\n".join(server.stderr + server.stdout)
    assert token not in output
    assert sum(line.get("event") == "shutdown complete" for line in lines) == 2


async def _noop() -> None:
    return None


async def test_sigterm_lets_the_in_flight_request_finish(
    database_url: str, db: Any, tmp_path: Path
) -> None:
    """Also: metrics on a separate listener (GATEWAY_METRICS_BIND) run by the parent process."""
    author = await add_author(db, "Ada Lovelace")
    await add_article(db, "Notes", authors=[author])
    body = orjson.dumps({"query": "query Slow { articles { totalCount } }"})
    metrics_port = free_port()

    async with running(
        database_url, tmp_path, workers=1, GATEWAY_METRICS_BIND=f"127.0.0.1:{metrics_port}"
    ) as server:
        # An idle keep-alive connection, opened before the shutdown: a request on it during
        # the drain is answered, never dropped.
        idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", server.port)
        idle_writer.write(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n")
        await idle_writer.drain()
        await _read_response(idle_reader)
        async with httpx.AsyncClient(timeout=10) as plain:
            assert (await plain.get(f"{server.url}/metrics")).status_code == 404
            listener = await plain.get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert total(listener.text, "gateway_http_requests_total", route="/healthz") == 1
        assert total(listener.text, "gateway_http_requests_total", route="unmatched") == 1

        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
            b"Expect: 100-continue\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        await writer.drain()
        # The worker has the request (it asks for the body): it is in flight now.
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 100")

        server.signal_group(signal.SIGTERM)  # as systemd does: the whole process group
        # Shutdown begins with a drain: requests are still answered, each with Connection:
        # close (on fresh connections, and on the idle keep-alive one opened before).
        async with asyncio.timeout(10):
            while True:
                probe_reader, probe_writer = await asyncio.open_connection("127.0.0.1", server.port)
                probe_writer.write(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n")
                await probe_writer.drain()
                probe_head, _ = await _read_response(probe_reader)
                probe_writer.close()
                if b"connection: close" in probe_head.lower():
                    break
                await asyncio.sleep(0.05)
        idle_writer.write(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n")
        await idle_writer.drain()
        idle_head, _ = await _read_response(idle_reader)
        assert idle_head.startswith(b"HTTP/1.1 200") and b"connection: close" in idle_head.lower()
        assert await idle_reader.read() == b""  # closed after its answer
        idle_writer.close()

        writer.write(body)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        length = next(
            int(h.split(b":")[1])
            for h in head.split(b"\r\n")
            if h.lower().startswith(b"content-length")
        )
        payload = json.loads(await reader.readexactly(length))
        assert payload == {"data": {"articles": {"totalCount": 1}}}
        writer.close()

        assert await server.wait_exit() == 0

    events = [line.get("event") for line in server.json_lines()]
    assert "shutdown complete" in events
    [serving] = [line for line in server.json_lines() if line.get("event") == "serving"]
    assert not await asyncio.to_thread(Path(serving["metrics_dir"]).exists)  # cleaned up
    slow = [line for line in server.access_lines() if line.get("operation_name") == "Slow"]
    assert [line["status"] for line in slow] == [200]


async def _read_response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    return head, await reader.readexactly(length)


async def test_one_worker_keeps_its_metrics_in_memory(
    database_url: str, db: Any, tmp_path: Path
) -> None:
    """No listener and one worker: no multiprocess directory, and /metrics still counts."""
    author = await add_author(db, "Barbara Liskov")
    await add_article(db, "Abstraction", authors=[author])
    token = await add_token(db, "editor", name="single")
    scrape = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    async with running(
        database_url, tmp_path, workers=1, GATEWAY_METRICS_TOKEN=METRICS_TOKEN
    ) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            for _ in range(3):
                assert (await front_page(client, token))["totalCount"] == 1
            exposition = (await client.get("/metrics", headers=scrape)).text
        serving = [line for line in server.json_lines() if line.get("event") == "serving"]
        assert serving and serving[0]["metrics_dir"] is None
        graphql = dict(route="/graphql", status="200")
        assert total(exposition, "gateway_http_requests_total", **graphql) == 3
        assert total(exposition, "gateway_db_statements_per_request_count") == 3
        assert total(exposition, "gateway_dataloader_batch_size_count") == 3


async def test_coalesced_writes_answer_the_same_as_asyncios_transport(
    database_url: str, db: Any, tmp_path: Path
) -> None:
    """``GATEWAY_COALESCE_WRITES`` on (the default) and off: over one keep-alive connection,
    small answers, an answer larger than what a transport holds (``HOLD_LIMIT``) and a 404 come
    back the same, whole and in order."""
    author = await add_author(db, "Frances Allen")
    for n in range(12):
        await add_article(db, f"Optimising compilers, part {n}", authors=[author], body="x" * 9000)
    big = "{ articles(first: 12) { nodes { title body } } }"
    answers: dict[str, list[tuple[int, bytes]]] = {}
    for setting in ("true", "false"):
        async with (
            running(database_url, tmp_path, workers=1, GATEWAY_COALESCE_WRITES=setting) as server,
            httpx.AsyncClient(base_url=server.url, timeout=30) as client,
        ):
            got = []
            for query in (QUERY, big, QUERY, big):
                response = await client.post("/graphql", json={"query": query})
                got.append((response.status_code, response.content))
            got.append(((r := await client.get("/no-such-page")).status_code, r.content))
            got.append(((r := await client.get("/healthz")).status_code, r.content))
        answers[setting] = got
    assert answers["true"] == answers["false"]
    statuses = [status for status, _ in answers["true"]]
    assert statuses == [200, 200, 200, 200, 404, 200]
    large = orjson.loads(answers["true"][1][1])["data"]["articles"]["nodes"]
    assert len(large) == 12 and all(len(node["body"]) >= 9000 for node in large)
    assert len(answers["true"][1][1]) > 64 * 1024
