"""Real processes for operations tests: a Redis server of the test's own (so it can be killed
and restarted), CLI subprocesses with their output collected, and CPU time from /proc."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tests.live_server import DB_CONNECT_TIMEOUT, free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
CLI = Path(sys.executable).parent / "content-gateway"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Output:
    """Lines a subprocess writes (stdout and stderr merged), read by a thread as they come."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _seen: int = 0

    def __post_init__(self) -> None:
        self.reader = threading.Thread(target=self._pump, daemon=True)
        self.reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self.lines.append(line)
                self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float) -> str:
        """The next line containing ``text``; fails after ``timeout`` seconds or at exit."""
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(
                    f"no line with {text!r} within {timeout}s:\n" + "".join(self.lines[-40:])
                ) from None
            if line is None:
                raise AssertionError(f"exited before {text!r}:\n" + "".join(self.lines[-40:]))
            if text in line:
                return line

    def text(self) -> str:
        return "".join(self.lines)


def spawn(args: list[str], env: dict[str, str], cwd: Path) -> Output:
    process = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a stray signal to the test's group never reaches it
    )
    return Output(process)


def stop(output: Output, timeout: float = 15.0) -> int:
    """SIGTERM, then SIGKILL if it did not exit in ``timeout`` seconds; the exit code."""
    process = output.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    output.reader.join(timeout=5)
    return int(process.returncode)


def gateway_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")},
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_ENV": "development",
        "GATEWAY_LOG_FORMAT": "console",
        "GATEWAY_DB_CONNECT_TIMEOUT": str(DB_CONNECT_TIMEOUT),  # see tests.live_server
        **extra,
    }


class RedisServer:
    """``redis-server`` on 127.0.0.1 and a free port, without persistence."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.output: Output | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.output = spawn(args, dict(os.environ), self.workdir)
        self.output.wait_for("Ready to accept connections", timeout=15)
        return self

    def kill(self) -> None:
        """SIGKILL: gone at once, connections reset, nothing flushed."""
        if self.output is not None and self.output.process.poll() is None:
            self.output.process.kill()
            self.output.process.wait(timeout=5)
            self.output.reader.join(timeout=5)


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (hypercorn serves from spawned child processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its descendants, from /proc."""
    total = 0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS
