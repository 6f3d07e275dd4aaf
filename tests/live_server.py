"""A real gateway for browser tests: `content-gateway serve` (hypercorn) in a subprocess on
127.0.0.1 and a free port, over a migrated SQLite file that the test seeds first."""

from __future__ import annotations

import asyncio
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from asgi_lifespan import LifespanManager

from gateway.cli.main import run_migrations
from resolvers.db import Database, make_engine

# Connecting to PostgreSQL normally takes milliseconds, but a checkpoint forced by another test's
# CREATE/DROP DATABASE on a shared 2-core machine has held a new connection for more than the
# production default of 5 s (a CI run failed so). In tests it is a hang detector, not a target;
# the fault tests cut or stall connections with a TCP proxy and do not depend on it.
DB_CONNECT_TIMEOUT = 30.0
# asgi-lifespan's default of 5 s per phase is a hang detector, not a speed target: on a shared
# 2-core machine a start-up that normally takes 0.1 s has exceeded it (PostgreSQL busy with a
# checkpoint or another process's bulk load). Every test starts its app with ``lifespan``.
LIFESPAN_TIMEOUT = 30.0
# The execution timeout (production default 10 s) is also a hang detector here: a request that
# takes 0.2 s alone took more than 10 s while a benchmark and two other suites loaded the
# machine (tests/seo/test_seo_statements.py, 100 articles with their full SEO). Tests of the
# timeout itself set their own.
EXECUTION_TIMEOUT = 30.0


def lifespan(app: Any) -> LifespanManager:
    """The app's lifespan (start-up and shutdown) with the tests' hang-detector timeouts."""
    return LifespanManager(app, startup_timeout=LIFESPAN_TIMEOUT, shutdown_timeout=LIFESPAN_TIMEOUT)


T = TypeVar("T")
CLI = Path(sys.executable).parent / "content-gateway"


def run_async(work: Callable[[Database], Awaitable[T]], url: str) -> T:
    """Run ``work(db)`` to completion from sync code, on its own loop in a worker thread (a
    test's loop may already be running in this thread)."""

    async def main() -> T:
        db = Database(make_engine(url, connect_timeout=DB_CONNECT_TIMEOUT))
        try:
            return await work(db)
        finally:
            await db.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    database_url: str
    process: subprocess.Popen[str]
    log: list[str]
    reader: threading.Thread

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.reader.join(timeout=5)  # it closes the pipe once the output ends


def start_server(
    tmp: Path,
    seed: Callable[[Database], Awaitable[Any]],
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
    args: tuple[str, ...] = (),
    database_url: str | None = None,
) -> LiveServer:
    """``args``: more ``serve`` options (``--workers 2``); ``database_url``: an empty database to
    migrate and seed instead of a new SQLite file."""
    database_url = database_url or f"sqlite+aiosqlite:///{tmp / 'live.db'}"
    run_migrations(database_url)
    run_async(seed, database_url)
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")},
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_ENV": "development",
        "GATEWAY_DB_CONNECT_TIMEOUT": str(DB_CONNECT_TIMEOUT),  # see above
        **(env or {}),
    }
    process = subprocess.Popen(
        [str(CLI), "serve", "--bind", f"127.0.0.1:{port}", *args],
        cwd=tmp,  # no stray .env from the developer's checkout
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    log: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                log.append(line)
                lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, process, log, reader)
    # hypercorn logs "Running on <url>" once the socket listens: wait for that line.
    try:
        while True:
            line = lines.get(timeout=timeout)
            if line is None:
                raise RuntimeError("the gateway exited during start-up:\n" + "".join(log))
            if "Running on" in line:
                return server
    except queue.Empty:
        server.stop()
        raise RuntimeError(f"the gateway did not start in {timeout}s:\n" + "".join(log)) from None
