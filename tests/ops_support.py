"""Helpers for the operations tests: a real hypercorn server process, a TCP proxy that can cut a
database off, and a parser for the Prometheus exposition."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

CLI = str(Path(sys.executable).parent / "content-gateway")


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """{(sample name, labels): value} of a /metrics body."""
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def total(exposition: str, name: str, **labels: str) -> float:
    """Sum of a sample over every label set that includes ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples(exposition).items() if n == name and wanted <= ls)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class GatewayServer:
    """``content-gateway serve`` in its own process group, its stderr (JSON logs) collected."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, cwd: Path) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "OTEL_"))},
            "GATEWAY_ENV": "production",
            "GATEWAY_SITE_URL": "https://news.example.com",
            **env,
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.workers = workers
        self.cwd = cwd
        self.port = free_port()
        self.stderr: list[str] = []
        self.stdout: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._changed = asyncio.Condition()
        self._readers: list[asyncio.Task[None]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            CLI,
            "serve",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group, signalled like a supervisor does
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(self.proc.stderr, self.stderr)),
            asyncio.create_task(self._read(self.proc.stdout, self.stdout)),
        ]
        await self.wait_for(lambda lines: _count(lines, "Running on") >= self.workers)

    async def _read(self, stream: asyncio.StreamReader, into: list[str]) -> None:
        while line := await stream.readline():
            async with self._changed:
                into.append(line.decode(errors="replace").rstrip("\n"))
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, ready: Callable[[list[str]], bool], limit: float = 60) -> None:
        """Until ``ready(stderr lines)``; fails with the output if the process exits first."""
        assert self.proc is not None

        def done() -> bool:
            return ready(self.stderr) or self.proc.returncode is not None or _eof(self._readers)

        async with asyncio.timeout(limit), self._changed:
            await self._changed.wait_for(done)
        if not ready(self.stderr):
            raise AssertionError("server stopped early:\n" + "\n".join(self.stderr[-40:]))

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stderr]

    def access_lines(self) -> list[dict[str, Any]]:
        return [e for e in self.json_lines() if e.get("logger") == "gateway.access"]

    def signal_group(self, sig: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)

    async def wait_exit(self, limit: float = 30) -> int:
        assert self.proc is not None
        async with asyncio.timeout(limit):
            code = await self.proc.wait()
            await asyncio.gather(*self._readers)
        return code

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


def _count(lines: list[str], text: str) -> int:
    return sum(text in line for line in lines)


def _eof(readers: list[asyncio.Task[None]]) -> bool:
    return bool(readers) and all(t.done() for t in readers)


class TcpProxy:
    """127.0.0.1:<port> forwarded to a target. ``cut()`` aborts every connection and refuses new
    ones (the network to the database is gone); ``restore()`` listens on the same port again."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.transports: set[asyncio.BaseTransport] = set()
        self.handlers: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        self.transports.add(writer.transport)
        try:
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.target)
            except OSError:
                return
            self.transports.add(up_writer.transport)
            await asyncio.gather(
                self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
            )
        finally:
            writer.transport.abort()
            self.handlers.discard(task)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        finally:
            sink.transport.abort()

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        self.server = None
        for transport in list(self.transports):
            transport.abort()
        self.transports.clear()
        if self.handlers:
            await asyncio.gather(*self.handlers, return_exceptions=True)

    async def restore(self) -> None:
        await self.start()

    async def close(self) -> None:
        if self.server is not None:
            await self.cut()
