"""Shutdown drain with a real server: a request sent on an already-open keep-alive connection
after SIGTERM is answered (and the connection then closed), never dropped."""

from __future__ import annotations

import http.client
import json
import signal
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from resolvers.db import Database
from resolvers.models import tag_t
from tests.auth_support import add_token
from tests.live_server import run_async, start_server
from tests.support import add_author

CREATE_TAG = 'mutation { createTag(input: {name: "Drained"}) { __typename } }'


def post(conn: http.client.HTTPConnection, token: str) -> tuple[http.client.HTTPResponse, Any]:
    conn.request(
        "POST",
        "/graphql",
        body=json.dumps({"query": CREATE_TAG}),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    response = conn.getresponse()
    return response, json.loads(response.read())


def draining(host: str, port: int) -> bool:
    """A fresh connection's answer says Connection: close once the worker drains."""
    conn = http.client.HTTPConnection(host, port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        return (response.getheader("connection") or "").lower() == "close"
    except OSError:
        return False
    finally:
        conn.close()


def test_keep_alive_request_during_drain_is_answered(tmp_path: Path) -> None:
    data: dict[str, Any] = {}

    async def seed(db: Database) -> None:
        await add_author(db, "Ada")
        data["token"] = await add_token(db, "admin")

    server = start_server(tmp_path, seed, {"GATEWAY_RATE_LIMIT_BUDGET": "0"})
    try:
        parts = urlsplit(server.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", "/healthz")
        first = conn.getresponse()
        first.read()
        assert first.status == 200 and (first.getheader("connection") or "") != "close"

        server.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while not draining(host, port):  # a condition, polled: the worker reacts to the signal
            assert time.monotonic() < deadline, "the server never started draining"
            time.sleep(0.05)

        answer, body = post(conn, data["token"])  # on the connection opened before the signal
        assert answer.status == 200
        assert body["data"]["createTag"]["__typename"] == "TagSaved", body
        assert (answer.getheader("connection") or "").lower() == "close"
        conn.close()
        assert server.process.wait(timeout=30) == 0
        names = run_async(lambda db: db.all(select(tag_t.c.name)), server.database_url)
        assert [n for (n,) in names] == ["Drained"]  # the write was applied, and said so
    finally:
        server.stop()
