"""Import benchmark: a generated N-post WordPress export into a fresh SQLite (or PostgreSQL)
database through the real CLI (``content-gateway import wordpress``), timed, with the CLI's
peak RSS; then the same file again (every item unchanged: the idempotent re-run).

``python -m bench.imports --posts 10000`` (target: under 60 s on SQLite on the 2-CPU machine).
Peak RSS is measured for two sizes (``--posts`` and a tenth of it): streamed parsing keeps it
flat, so the two should be close. Prints a Markdown block for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.wxr import write_wxr

BIN = Path(sys.executable).parent / "content-gateway"


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of the child, its stderr tail."""
    started = time.perf_counter()
    # Each run gets its own wrapper process so ru_maxrss of RUSAGE_CHILDREN is this run's alone.
    wrapper = (
        "import resource, subprocess, sys; "
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stderr.write(p.stderr[-2000:]); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(u.ru_maxrss, u.ru_utime + u.ru_stime); "
        "sys.exit(p.returncode)"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some items were refused (reported), still a run
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    rss_kib, cpu = done.stdout.strip().splitlines()[-1].split()
    return seconds, float(cpu), int(rss_kib) / 1024, done.stderr


def measure(posts: int, workdir: Path, database_url: str | None) -> dict[str, float]:
    wxr = workdir / f"wxr-{posts}.xml"
    with wxr.open("w", encoding="utf-8") as handle:
        write_wxr(handle, posts)
    url = database_url or f"sqlite+aiosqlite:///{workdir / f'import-{posts}.db'}"
    env = {**os.environ, "GATEWAY_DATABASE_URL": url, "GATEWAY_LOG_LEVEL": "WARNING"}
    subprocess.run([str(BIN), "migrate"], env=env, check=True, capture_output=True)
    report = workdir / f"report-{posts}.json"
    load = os.getloadavg()[0]
    first, cpu, rss, log = _run(
        [str(BIN), "import", "wordpress", str(wxr), "--report", str(report)], env
    )
    again, _, rss_again, _ = _run(
        [str(BIN), "import", "wordpress", str(wxr), "--report", str(report)], env
    )
    print("\n".join(log.strip().splitlines()[-6:]), file=sys.stderr)
    return {
        "posts": posts,
        "seconds": first,
        "cpu": cpu,
        "load": load,
        "rss": rss,
        "rerun_seconds": again,
        "rerun_rss": rss_again,
        "mb": wxr.stat().st_size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--database-url", help="Empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        rows = [
            measure(n, Path(tmp), args.database_url) for n in (max(1, args.posts // 10), args.posts)
        ]
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n## {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · import, {backend}\n")
    print(
        f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
    )
    print(f"- command: `python -m bench.imports --posts {args.posts}`\n")
    print(
        "| posts | WXR MB | import wall s | import CPU s | load avg | posts/s (wall) "
        "| peak RSS MiB | re-run wall s | re-run RSS MiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['posts']:,} | {r['mb']:.1f} | {r['seconds']:.1f} | {r['cpu']:.1f} | "
            f"{r['load']:.1f} | {r['posts'] / r['seconds']:.0f} | {r['rss']:.0f} | "
            f"{r['rerun_seconds']:.1f} | {r['rerun_rss']:.0f} |"
        )


if __name__ == "__main__":
    main()
