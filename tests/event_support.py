"""Test helpers for events: a real HTTP receiver on 127.0.0.1, the app served by hypercorn, a
graphql-transport-ws client, and settings for fast retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import h11
import websockets
from hypercorn.asyncio import serve
from hypercorn.config import Config
from sqlalchemy import select

from resolvers.events import webhooks
from resolvers.events.models import event_delivery_t
from resolvers.events.outbox import record_event

HANG = -1  # a receiver answer: never respond (until the receiver stops)

# Fast, deterministic-enough delivery for tests: no real waiting between retries.
FAST_EVENTS = {
    "webhook_allow_private_targets": True,
    "webhook_backoff_base": 0.05,
    "webhook_backoff_max": 0.2,
    "webhook_timeout": 5.0,
    "events_poll_interval": 0.05,
    "events_worker": False,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP/1.1 server (h11 over asyncio streams) that records requests and answers with
    ``answer(request)``: a status code, ``(status, headers)``, or ``HANG``."""

    answer: Callable[[Received], Any] = lambda _: 200
    requests: list[Received] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _hung: list[asyncio.Event] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hook"

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        for event in self._hung:
            event.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait_for(self, count: int, within: float = 15.0) -> list[Received]:
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.requests) >= count)
        return self.requests

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                request = await self._read(conn, reader)
                if request is None:
                    return
                async with self._changed:
                    self.requests.append(request)
                    self._changed.notify_all()
                answer = self.answer(request)
                if answer == HANG:
                    hung = asyncio.Event()
                    self._hung.append(hung)
                    await hung.wait()
                    return
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                body = b"ok"
                out = [("content-length", str(len(body))), *headers.items()]
                writer.write(conn.send(h11.Response(status_code=status, headers=out)))
                writer.write(conn.send(h11.Data(data=body)))
                writer.write(conn.send(h11.EndOfMessage()))
                await writer.drain()
                if conn.our_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
        except (ConnectionError, h11.RemoteProtocolError):
            return
        finally:
            writer.close()

    async def _read(self, conn: h11.Connection, reader: asyncio.StreamReader) -> Received | None:
        head: Any = None
        body = b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                if not data and head is None:
                    return None
                continue
            if isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                headers = {k.decode().lower(): v.decode() for k, v in head.headers}
                return Received(
                    head.method.decode(), head.target.decode(), headers, body, time.monotonic()
                )
            elif isinstance(event, h11.ConnectionClosed):
                return None


@contextlib.asynccontextmanager
async def receiver(answer: Callable[[Received], Any] = lambda _: 200) -> AsyncIterator[Receiver]:
    r = await Receiver(answer).start()
    try:
        yield r
    finally:
        await r.stop()


@contextlib.asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with hypercorn on 127.0.0.1; yields its ws:// base URL."""
    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.errorlog = None
    config.graceful_timeout = 1
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))
    deadline = time.monotonic() + 15
    while True:  # until it accepts connections
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        except OSError:
            if time.monotonic() > deadline or task.done():
                await task
                raise
            await asyncio.sleep(0.02)
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        stop.set()
        await task


class GqlWs:
    """A minimal graphql-transport-ws client over the ``websockets`` library."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._ids = 0

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(cls, url: str, payload: dict[str, Any] | None = None) -> AsyncIterator[GqlWs]:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            client = cls(ws)
            await client.send({"type": "connection_init", "payload": payload or {}})
            ack = await client.receive()
            assert ack["type"] == "connection_ack", ack
            yield client

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, within: float = 10.0) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), within))  # type: ignore[no-any-return]

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._ids += 1
        op_id = str(self._ids)
        payload: dict[str, Any] = {"query": query}
        if variables:
            payload["variables"] = variables
        await self.send({"id": op_id, "type": "subscribe", "payload": payload})
        return op_id

    async def next(self, op_id: str, within: float = 10.0) -> dict[str, Any]:
        """The next message of operation ``op_id`` (pings answered, others' messages kept)."""
        while True:
            message = await self.receive(within)
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            if message.get("id") == op_id:
                return message


async def until(predicate: Callable[[], Any], within: float = 15.0, step: float = 0.02) -> Any:
    """Poll a database condition the system reaches asynchronously (no fixed sleeps)."""
    deadline = time.monotonic() + within
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(step)


async def add_webhook(db, url: str, events=("*",)) -> tuple[int, str]:
    row, secret = await webhooks.create_webhook(
        db, url=url, events=list(events), description=None, now=datetime.now(UTC)
    )
    return row.id, secret


async def emit(db, event_type: str = "article.published", entity_id: int = 1, **kw) -> str:
    async with db.engine.begin() as conn:
        return await record_event(conn, event_type, entity_id, slug=f"a{entity_id}", **kw)


async def delivery_rows(db):
    return await db.all(select(event_delivery_t).order_by(event_delivery_t.c.id))
