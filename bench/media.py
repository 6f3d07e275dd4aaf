"""Media benchmark: ``python -m bench.media [--duration 10] [--concurrency 16] [--no-record]``.

1. First-render time of a 2000 px JPEG at three widths (640, 1280, 1920; JPEG and WebP): the
   first GET of each rendition through the real server (hypercorn, 1 worker) renders it with
   Pillow in a worker thread; the same renders are also timed in process (Pillow alone), so
   the served number's overhead (lookup, original read, cache write, HTTP) shows.
2. Rendition cache hits per second: wrk against one cached rendition, compared in the same
   run with wrk against the original (``/media/<hash>.jpg``: a database lookup and a storage
   read, the same route family without the cache), interleaved ABBA; the ratio is reported.

SQLite in a temporary folder; local storage. Results are appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from bench.load import run_wrk
from bench.operations import HttpRequest, Operation
from bench.report import append_results, cpu_model, git_revision
from bench.servers import Server, gateway_server, send, server_env
from gateway.cli.main import run_migrations
from resolvers.db import Database, make_engine
from resolvers.media.assets import add_asset
from resolvers.media.renditions import render
from resolvers.media.storage import LocalStorage
from resolvers.media.urls import RenditionSpec
from resolvers.media.validation import Limits

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (640, 1280, 1920)


def photo(width: int = 2000, height: int = 1333) -> bytes:
    """A photo-like JPEG: gradients and shapes (flat colour would make renders trivially fast)."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(0, width, 37):
        draw.ellipse((i, (i * 7) % height, i + 120, (i * 7) % height + 90), fill=(i % 255, 90, 160))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


async def seed(url: str, media_root: Path, data: bytes) -> str:
    db = Database(make_engine(url))
    try:
        storage = LocalStorage(media_root / "originals-store")
        limits = Limits(50_000_000, 100_000_000)
        row, _ = await add_asset(
            db, storage, data, filename="bench.jpg", limits=limits, actor="bench"
        )
        return str(row.content_hash)
    finally:
        await db.dispose()


def first_renders(server: Server, content_hash: str) -> list[dict[str, Any]]:
    rows = []
    for extension in ("jpg", "webp"):
        for width in WIDTHS:
            path = f"/media/r/{content_hash}/w{width}-fcontain.{extension}"
            started = time.perf_counter()
            response = send(server.port, HttpRequest("GET", path), timeout=120)
            served = (time.perf_counter() - started) * 1000
            assert response.status == 200, (path, response.status)
            again = time.perf_counter()
            send(server.port, HttpRequest("GET", path))
            hit = (time.perf_counter() - again) * 1000
            rows.append({"format": extension, "width": width, "served_ms": served, "hit_ms": hit})
    return rows


def pillow_only(data: bytes) -> dict[tuple[str, int], float]:
    times = {}
    for extension in ("jpg", "webp"):
        for width in WIDTHS:
            started = time.perf_counter()
            render(data, RenditionSpec(width, None, "contain", extension))
            times[(extension, width)] = (time.perf_counter() - started) * 1000
    return times


def hits(
    server: Server, content_hash: str, args: argparse.Namespace, workdir: Path
) -> dict[str, list[float]]:
    targets = {
        "rendition (cached)": f"/media/r/{content_hash}/w640-fcontain.webp",
        "original": f"/media/{content_hash}.jpg",
    }
    operations = {
        name: Operation(name=name.split(" ")[0], description=name, request=HttpRequest("GET", path))
        for name, path in targets.items()
    }
    rates: dict[str, list[float]] = {name: [] for name in targets}
    order = list(targets) + list(reversed(targets))  # ABBA: drift hits both alike
    for _ in range(args.repeats):
        for name in order:
            result = run_wrk(
                operations[name], server.port, duration=args.duration, warmup=args.warmup,
                concurrency=args.concurrency, workdir=workdir,
            )  # fmt: skip
            if result.errors:
                raise RuntimeError(f"{name}: {result.errors} errors under load")
            rates[name].append(result.requests / result.seconds)
    return rates


def report(
    args: argparse.Namespace, renders: list[dict[str, Any]], pillow: dict, rates: dict, size: int
) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Media renditions — {now}",
        "",
        f"`python -m bench.media --duration {args.duration:g} --concurrency {args.concurrency} "
        f"--repeats {args.repeats}` on {cpu_model()} ({platform.node()}), revision "
        f"{git_revision(ROOT)}; SQLite, local storage, 1 hypercorn worker, wrk.",
        "",
        f"First render of a 2000x1333 JPEG ({size // 1024} KiB), through the server and Pillow alone:",
        "",
        "| format | width | first GET (ms) | Pillow alone (ms) | next GET, cached (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in renders:
        alone = pillow[(row["format"], row["width"])]
        lines.append(
            f"| {row['format']} | {row['width']} | {row['served_ms']:.0f} | {alone:.0f} | "
            f"{row['hit_ms']:.1f} |"
        )
    cached, original = rates["rendition (cached)"], rates["original"]
    ratio = statistics.median(cached) / statistics.median(original)
    lines += [
        "",
        f"Cache hits at {args.concurrency} clients (median of {len(cached)} runs, requests/s):",
        "",
        "| endpoint | req/s (median) | runs |",
        "|---|---:|---|",
        f"| rendition w640 WebP (disk cache hit) | {statistics.median(cached):.0f} | "
        + ", ".join(f"{r:.0f}" for r in cached)
        + " |",
        f"| original (reference: lookup + storage read) | {statistics.median(original):.0f} | "
        + ", ".join(f"{r:.0f}" for r in original)
        + " |",
        "",
        f"Rendition hits run at **{ratio:.2f}x** the original's rate in the same run.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.media", description=__doc__)
    p.add_argument("--duration", type=float, default=10.0, help="Seconds per wrk run.")
    p.add_argument("--warmup", type=float, default=1.0, help="Unmeasured seconds before each.")
    p.add_argument("--concurrency", type=int, default=16, help="wrk connections.")
    p.add_argument("--repeats", type=int, default=2, help="ABBA rounds.")
    p.add_argument("--no-record", action="store_true", help="Do not append to RESULTS.md.")
    args = p.parse_args(argv)
    data = photo()
    with tempfile.TemporaryDirectory(prefix="bench-media-") as folder:
        work = Path(folder)
        url = f"sqlite+aiosqlite:///{work / 'media.db'}"
        run_migrations(url)
        content_hash = asyncio.run(seed(url, work / "media", data))
        env = server_env(url, {"GATEWAY_MEDIA_ROOT": str(work / "media")})
        server = gateway_server(env, work / "logs")
        server.start()
        try:
            server.wait_ready()
            renders = first_renders(server, content_hash)
            rates = hits(server, content_hash, args, work)
            server.check_alive()
        finally:
            server.stop()
    text = report(args, renders, pillow_only(data), rates, len(data))
    print(text)
    if not args.no_record:
        append_results(ROOT / "bench" / "RESULTS.md", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
