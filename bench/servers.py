"""The servers under test: hypercorn subprocesses on 127.0.0.1, their memory, and plain requests."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.operations import HttpRequest

REPO = Path(__file__).resolve().parent.parent
SERVER_TIMING_DB = re.compile(r'db;dur=([\d.]+);desc="(\d+) statements"')


class ServerError(RuntimeError):
    """A server did not start, died, or answered something unexpected."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def statements(self) -> int | None:
        """SQL statements per the Server-Timing header (None without one)."""
        match = SERVER_TIMING_DB.search(self.headers.get("server-timing", ""))
        return int(match.group(2)) if match else None


def send(port: int, request: HttpRequest, timeout: float = 30.0) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(request.method, request.path, body=request.body, headers=request.headers)
        raw = conn.getresponse()
        headers = {k.lower(): v for k, v in raw.getheaders()}
        return Response(raw.status, headers, raw.read())
    finally:
        conn.close()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        # The command name may contain spaces and parentheses: split after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int, tree: dict[int, list[int]]) -> list[int]:
    found, todo = [], list(tree.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += tree.get(child, [])
    return found


def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@dataclass
class Server:
    """One hypercorn server (supervisor + 1 worker) in its own process group."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        # A directory of our own: a developer's .env in the repository must not leak in.
        cwd = self.log_path.parent
        self.proc = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise ServerError(f"{self.name} exited during start-up:\n{self.log_tail()}")
            try:
                if send(self.port, HttpRequest("GET", "/healthz"), timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise ServerError(f"{self.name} did not answer /healthz in {timeout:.0f} s")

    def check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise ServerError(f"{self.name} died:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def worker_pids(self) -> list[int]:
        """hypercorn's worker (a multiprocessing spawn child) and everything under it."""
        if self.proc is None:
            return []
        tree = _children()
        workers = [p for p in _descendants(self.proc.pid, tree) if "spawn_main" in _cmdline(p)]
        if not workers:  # run without a supervisor: the process itself serves
            return [self.proc.pid, *_descendants(self.proc.pid, tree)]
        return sorted({p for w in workers for p in (w, *_descendants(w, tree))})

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker and its children so far (from /proc)."""
        ticks = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self) -> float:
        """Peak resident memory (VmHWM) of the worker and its children, summed."""
        return sum(_status_kib(p, "VmHWM") for p in self.worker_pids()) / 1024

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass


def server_env(database_url: str, extra: dict[str, str]) -> dict[str, str]:
    """The environment both servers get: the same settings, nothing inherited from GATEWAY_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(
        {
            "GATEWAY_DATABASE_URL": database_url,
            "GATEWAY_ENV": "production",
            "GATEWAY_SITE_URL": "https://news.example.com",
            "GATEWAY_SITE_NAME": "Example News",
            # One load generator is one client: its rate-limit budget would end the run within
            # a second. The limit is per-client protection, not part of what is measured.
            "GATEWAY_RATE_LIMIT_BUDGET": "0",
        }
    )
    env.update(extra)
    return env


def gateway_server(env: dict[str, str], logs: Path) -> Server:
    script = Path(sys.executable).parent / "content-gateway"
    if not script.exists():
        raise ServerError(f"{script} not found: run `make install` first")
    server = Server("gateway", [], env, logs / "gateway.log")
    server.command = [str(script), "serve", "--bind", f"127.0.0.1:{server.port}", "--workers", "1"]
    return server


def reference_server(
    env: dict[str, str], logs: Path, module: str = "bench.reference", name: str = "reference"
) -> Server:
    """``bench.reference`` (SQLAlchemy Core text) or ``bench.reference_raw`` (the driver)."""
    server = Server(name, [], env, logs / f"{name}.log")
    server.command = [
        sys.executable, "-m", "hypercorn", "--workers", "1",
        "--bind", f"127.0.0.1:{server.port}", f"{module}:create_app()",
    ]  # fmt: skip
    return server
