"""A small HTTP/1.1 load generator, run as its own process: ``python -m bench.loadgen``.

Each of ``--concurrency`` connections replays one pre-built request (``--request-file``), or one
chosen by weight from a mix (``--mix-file``), over keep-alive as fast as the server answers
(closed loop). Requests finishing in the warm-up are not counted; the measured
window is ``--duration`` seconds after it. Raw asyncio streams, no HTTP client library: parsing a
status line and a Content-Length is all it needs, and it must stay cheaper than the server.

Prints one JSON object: requests, errors, statuses, window seconds and every latency (ms), so
several processes' results can be merged exactly.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson


@dataclass
class Tally:
    window_start: float
    window_end: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    first_error: str | None = None

    def record(self, finished: float, started: float, status: int, ok: bool, why: str) -> None:
        if not self.window_start <= finished <= self.window_end:
            return
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if ok:
            self.latencies_ms.append((finished - started) * 1000)
        else:
            self.errors += 1
            self.first_error = self.first_error or why


class ServerClosed(Exception):
    """The server closed a kept-alive connection between requests (e.g. its request limit)."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, server wants the connection closed)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            raise ServerClosed from None
        raise
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            parts.append(chunk[:-2])
        body = b"".join(parts)
    else:
        body = b""
    return status, body, headers.get("connection", "").lower() == "close"


Judge = Callable[[int, bytes], str | None]  # why an answer is a failure (None: success)


async def connection(
    host: str, port: int, next_request: Callable[[], bytes], tally: Tally, judge: Judge
) -> None:
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    try:
        while time.perf_counter() < tally.window_end:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            request = next_request()
            started = time.perf_counter()
            try:
                writer.write(request)
                status, body, close = await read_response(reader)
            except (ServerClosed, ConnectionResetError, BrokenPipeError):
                writer.close()
                writer = None
                continue  # reconnect and send again; not the server's failure
            except (asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                tally.record(time.perf_counter(), started, 0, False, repr(exc))
                writer.close()
                writer = None
                continue
            finished = time.perf_counter()
            why = judge(status, body)
            tally.record(finished, started, status, why is None, why or "")
            if close:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


def single(args: argparse.Namespace) -> tuple[Callable[[], bytes], Judge]:
    """``--request-file``: one request replayed; a failure is an unexpected status or a body
    starting with ``--error-marker``."""
    with open(args.request_file, "rb") as f:
        request = f.read()
    expected = {int(s) for s in args.expect.split(",")}
    marker = args.error_marker.encode()

    def judge(status: int, body: bytes) -> str | None:
        if status in expected and not (marker and body.startswith(marker)):
            return None
        return f"{status}: {body[:200]!r}"

    return lambda: request, judge


def mixed(args: argparse.Namespace) -> tuple[Callable[[], bytes], Judge]:
    """``--mix-file`` (written by ``bench.mixed_load``): ``hot`` requests ``hot_share`` of the
    time, else a ``distinct`` one; a success is a 200 starting with ``data_prefix`` and holding
    none of ``bad``."""
    with open(args.mix_file, "rb") as f:
        spec = orjson.loads(f.read())
    hot = [r.encode("latin-1") for r in spec["hot"]]
    distinct = [r.encode("latin-1") for r in spec["distinct"]]
    share, prefix = spec["hot_share"], spec["data_prefix"].encode()
    bad = [m.encode() for m in spec["bad"]]
    rng = random.Random()

    def pick() -> bytes:
        return rng.choice(hot if rng.random() < share else distinct)

    def judge(status: int, body: bytes) -> str | None:
        if status == 200 and body.startswith(prefix) and not any(m in body for m in bad):
            return None
        return f"{status}: {body[:200]!r}"

    return pick, judge


async def run(args: argparse.Namespace) -> Tally:
    next_request, judge = mixed(args) if args.mix_file else single(args)
    start = time.perf_counter()
    tally = Tally(window_start=start + args.warmup, window_end=start + args.warmup + args.duration)
    tasks = [
        asyncio.create_task(connection(args.host, args.port, next_request, tally, judge))
        for _ in range(args.concurrency)
    ]
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in done:
        if task.exception() is not None:
            for other in tasks:
                other.cancel()
            raise task.exception()  # type: ignore[misc]  # a connection could not be opened
    return tally


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--request-file", help="Raw HTTP/1.1 request bytes, replayed.")
    what.add_argument("--mix-file", help="JSON request mix (see bench.mixed_load).")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--expect", default="200", help="Comma list of success statuses.")
    parser.add_argument("--error-marker", default='{"errors"', help="Body prefix = failure.")
    args = parser.parse_args(argv)
    tally = asyncio.run(run(args))
    result = {
        "requests": len(tally.latencies_ms) + tally.errors,
        "errors": tally.errors,
        "first_error": tally.first_error,
        "statuses": {str(k): v for k, v in tally.statuses.items()},
        "seconds": args.duration,
        "latencies_ms": tally.latencies_ms,
    }
    sys.stdout.buffer.write(orjson.dumps(result))


if __name__ == "__main__":
    main()
