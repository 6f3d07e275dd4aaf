"""`content-gateway serve` as a supervisor sees it: a worker that dies, or cannot start, stops
the server with a non-zero exit code (so `Restart=on-failure` restarts it), a start-up failure
is one line without a traceback, and SIGTERM still exits 0."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from gateway.cli.main import run_migrations
from tests.live_server import free_port
from tests.process_support import CLI, gateway_env, spawn, stop, tree


def migrated(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    run_migrations(url)
    return url


def worker_pids(parent: int) -> list[int]:
    found = []
    for pid in tree(parent)[1:]:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"spawn_main" in cmdline:
            found.append(pid)
    return found


def test_a_worker_that_cannot_start_stops_the_server_in_one_line(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there
    env = gateway_env(migrated(tmp_path), GATEWAY_REDIS_URL=f"redis://127.0.0.1:{closed}/0")
    server = spawn([str(CLI), "serve", "--bind", f"127.0.0.1:{free_port()}"], env, tmp_path)
    code = server.process.wait(timeout=120)
    server.reader.join(timeout=5)
    output = server.text()
    assert code != 0, output
    assert "Traceback" not in output and "SpawnProcess" not in output, output
    assert output.count(f"cannot reach Redis at redis://127.0.0.1:{closed}/0") == 1, output


def test_a_dead_worker_stops_the_server_with_a_failure_code(tmp_path: Path) -> None:
    env = gateway_env(migrated(tmp_path))
    args = [str(CLI), "serve", "--bind", f"127.0.0.1:{free_port()}", "--workers", "2"]
    server = spawn(args, env, tmp_path)
    try:
        server.wait_for("Running on", timeout=120)
        server.wait_for("Running on", timeout=120)  # both workers listen
        workers = worker_pids(server.process.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)
        code = server.process.wait(timeout=60)
        assert code != 0, server.text()
        assert "a worker exited; stopping the server" in server.text()
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)  # none left behind
    finally:
        stop(server, timeout=5)


def test_sigterm_still_exits_zero(tmp_path: Path) -> None:
    env = gateway_env(migrated(tmp_path))
    server = spawn([str(CLI), "serve", "--bind", f"127.0.0.1:{free_port()}"], env, tmp_path)
    try:
        server.wait_for("Running on", timeout=120)
    finally:
        assert stop(server, timeout=30) == 0, server.text()
