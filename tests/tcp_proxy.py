"""A small TCP proxy on 127.0.0.1 for fault tests: it forwards to a real service (PostgreSQL,
Redis) and can cut every connection, refuse new ones, and let them through again."""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.cut = False
        self.paused = asyncio.Event()  # set = traffic flows
        self.paused.set()
        self.stalled = asyncio.Event()  # set when a client sent bytes while paused

    async def start(self) -> TcpProxy:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut:
            writer.transport.abort()  # refuse: the client sees a reset at once
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers.update((writer, up_writer))
        pumps = [
            asyncio.create_task(self._pump(reader, up_writer, upstream=True)),
            asyncio.create_task(self._pump(up_reader, writer, upstream=False)),
        ]
        self.tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        for w in (writer, up_writer):
            w.transport.abort()
            self.writers.discard(w)

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, upstream: bool
    ) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                if upstream and not self.paused.is_set():
                    self.stalled.set()
                await self.paused.wait()
                writer.write(data)
                await writer.drain()

    def pause(self) -> None:
        """Hold every byte from clients: their queries hang, as on a dead network."""
        self.stalled.clear()
        self.paused.clear()

    def cut_all(self) -> None:
        """Reset every open connection and refuse new ones until ``restore``."""
        self.cut = True
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        self.paused.set()

    def restore(self) -> None:
        self.cut = False
        self.paused.set()

    async def close(self) -> None:
        self.cut_all()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
