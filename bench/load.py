"""Driving load from separate processes: wrk when it is on PATH, else ``bench.loadgen``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.operations import Operation


class LoadError(RuntimeError):
    """The load generator failed or the server answered with errors."""


@dataclass(frozen=True)
class RunResult:
    """One timed run against one endpoint."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    first_error: str | None = None
    cpu_seconds: float | None = None  # the server's CPU time during the measured run

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.cpu_seconds is None or not self.requests:
            return None
        return self.cpu_seconds * 1000 / self.requests

    @property
    def rps(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def pick_tool(requested: str) -> str:
    if requested == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if requested == "wrk" and not shutil.which("wrk"):
        raise LoadError("--loadgen wrk: wrk is not on PATH")
    return requested


def run_processes(commands: list[list[str]], timeout: float) -> list[bytes]:
    """Run the commands side by side (each in its own process group) and collect stdout."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for command in commands:
            procs.append(
                subprocess.Popen(
                    command,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    start_new_session=True,
                )
            )
        outputs = []
        for proc in procs:
            out, err = proc.communicate(timeout=timeout)
            if proc.returncode != 0:
                tail = err.decode(errors="replace").strip().splitlines()[-5:]
                name = Path(str(proc.args[0])).name  # type: ignore[index]
                raise LoadError(f"{name} exited with {proc.returncode}: " + " | ".join(tail))
            outputs.append(out)
        return outputs
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def run_python(
    op: Operation,
    port: int,
    *,
    duration: float,
    warmup: float,
    concurrency: int,
    processes: int,
    workdir: Path,
) -> RunResult:
    request_file = workdir / f"{op.name}.http"
    request_file.write_bytes(op.request.raw("127.0.0.1", port))
    what = [
        "--request-file", str(request_file),
        "--expect", ",".join(map(str, op.expected_status)),
        "--error-marker", op.error_marker.decode(),
    ]  # fmt: skip
    return run_python_raw(
        what, port, duration=duration, warmup=warmup, concurrency=concurrency, processes=processes
    )


def run_python_raw(
    what: list[str],
    port: int,
    *,
    duration: float,
    warmup: float,
    concurrency: int,
    processes: int = 1,
) -> RunResult:
    """``bench.loadgen`` in ``processes`` processes sharing the clients; ``what``: its
    arguments naming the requests and what a failure is; the results merged exactly."""
    shares = [concurrency // processes + (i < concurrency % processes) for i in range(processes)]
    commands = [
        [
            sys.executable, "-m", "bench.loadgen", "--port", str(port), *what,
            "--duration", str(duration), "--warmup", str(warmup), "--concurrency", str(share),
        ]
        for share in shares
        if share > 0
    ]  # fmt: skip
    outputs = run_processes(commands, timeout=duration + warmup + 60)
    latencies: list[float] = []
    requests = errors = 0
    first_error = None
    for raw in outputs:
        part = orjson.loads(raw)
        latencies += part["latencies_ms"]
        requests += part["requests"]
        errors += part["errors"]
        first_error = first_error or part["first_error"]
    latencies.sort()
    return RunResult(
        requests=requests,
        errors=errors,
        seconds=duration,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        first_error=first_error,
    )


def lua_string(value: bytes) -> str:
    """A Lua string literal holding exactly these bytes."""
    out = []
    for byte in value:
        char = chr(byte)
        if char.isalnum() or char in " {}[]():,.-_/+=*!?#@$%^&|<>;~`":
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def wrk_script(op: Operation) -> str:
    """POSTs the operation's body; counts bad statuses and error bodies; prints JSON at the end."""
    req = op.request
    headers = "\n".join(
        f"wrk.headers[{lua_string(k.encode())}] = {lua_string(v.encode())}"
        for k, v in req.headers.items()
        if k.lower() not in ("host", "content-length")
    )
    expected = " or ".join(f"status == {s}" for s in op.expected_status)
    return f"""
wrk.method = {lua_string(req.method.encode())}
wrk.path = {lua_string(req.path.encode())}
wrk.body = {lua_string(req.body)}
{headers}
local marker = {lua_string(op.error_marker)}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) failures = 0 end
function response(status, headers, body)
  if not ({expected}) or (#marker > 0 and string.sub(body, 1, #marker) == marker) then
    failures = failures + 1
  end
end
function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do failed = failed + t:get("failures") end
  local e = summary.errors
  io.write(string.format(
    '{{"requests":%d,"duration_us":%d,"socket_errors":%d,"failures":%d,"p50_us":%d,"p99_us":%d}}',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, failed,
    latency:percentile(50), latency:percentile(99)))
end
"""


def run_wrk(
    op: Operation,
    port: int,
    *,
    duration: float,
    warmup: float,
    concurrency: int,
    workdir: Path,
    cpu: Callable[[], float] | None = None,
) -> RunResult:
    """``cpu``: reads the server's CPU seconds so far (measured around the timed run only)."""
    script = workdir / f"{op.name}.lua"
    script.write_text(wrk_script(op))
    url = f"http://127.0.0.1:{port}{op.request.path}"
    return drive_wrk(
        script, url, duration=duration, warmup=warmup, concurrency=concurrency, cpu=cpu
    )


def drive_wrk(
    script: Path,
    url: str,
    *,
    duration: float,
    warmup: float,
    concurrency: int,
    cpu: Callable[[], float] | None = None,
    before_measured: Callable[[], None] | None = None,
) -> RunResult:
    """wrk with ``script`` (whose ``done`` prints the JSON line ``wrk_script`` prints, plus an
    optional ``first_bad``): an unmeasured warm-up, then ``before_measured()``, then the run."""

    def command(seconds: float) -> list[str]:
        return [
            "wrk", "-t", str(min(2, concurrency)), "-c", str(concurrency),
            "-d", f"{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script), url,
        ]  # fmt: skip

    if warmup > 0:
        run_processes([command(warmup)], timeout=warmup + 60)
    if before_measured is not None:
        before_measured()
    started = cpu() if cpu is not None else 0.0
    (raw,) = run_processes([command(duration)], timeout=duration + 60)
    used = cpu() - started if cpu is not None else None
    # wrk prints its own summary first; the script's JSON is the last line.
    part = orjson.loads(raw.decode().strip().splitlines()[-1])
    errors = part["socket_errors"] + part["failures"]
    why = part.get("first_bad") or "see wrk: non-matching status or an errors body"
    return RunResult(
        requests=part["requests"] + part["socket_errors"],
        errors=errors,
        seconds=part["duration_us"] / 1e6,
        p50_ms=part["p50_us"] / 1000,
        p99_ms=part["p99_us"] / 1000,
        first_error=why if errors else None,
        cpu_seconds=used,
    )
