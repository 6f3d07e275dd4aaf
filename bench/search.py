"""Search benchmark: ``python -m bench.search [--articles 10000,100000] [--postgres [URL]]``.

For each size and backend: the index size; search latency with 1 client per kind of search
(p50/p99, and all kinds together); search throughput with one client per kind at once; and a
64-client mix in which 13 clients (20%) search a word found in nearly every article while 51
read articles, compared with 64 clients reading articles alone (the article p99 must hold).

The gateway runs as in production (1 hypercorn worker, response cache off so that every search
reaches the database); load comes from ``bench.loadgen`` processes. Results are appended to
``bench/RESULTS.md`` unless ``--no-record``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import text

from bench.dataset import (
    DATA,
    REPO,
    SeedSpec,
    log,
    pick_article_slug,
    postgres_database,
    sqlite_database,
)
from bench.load import percentile, run_processes
from bench.operations import HttpRequest, graphql_post
from bench.report import cpu_model, git_revision
from bench.servers import Server, gateway_server, send, server_env
from resolvers.access import ANONYMOUS
from resolvers.content.articles import ArticleFilter, search_hits
from resolvers.db import Database, make_engine, now_utc
from resolvers.search.gate import SearchGate

SEARCH = """query($q: String!) { articles(first: 10, filter: {search: $q}) {
  totalCount nodes { slug title excerpt } } }"""
ARTICLE = """query($slug: String!) { article(slug: $slug) { id title body publishedAt
  authors { name } tags { name } } }"""
# The seeded text draws on a small vocabulary: "data" is in nearly every article.
KINDS = {
    "common word": "data",
    "two words": "design water",
    "phrase": '"light water"',
    "prefix": "straßen*",
    "short prefix": "ma*",
    "rare word": "Märchenwald",
    "exclusion": "design -water",
}


def _request_file(workdir: Path, name: str, request: HttpRequest, port: int) -> Path:
    path = workdir / f"{name}.http"
    path.write_bytes(request.raw("127.0.0.1", port))
    return path


def _load(
    port: int, files: list[tuple[Path, int]], duration: float, warmup: float
) -> list[dict[str, object]]:
    """One loadgen process per (request file, clients), all at once; their raw results."""
    commands = [
        [
            sys.executable, "-m", "bench.loadgen", "--port", str(port),
            "--request-file", str(path), "--duration", str(duration), "--warmup", str(warmup),
            "--concurrency", str(clients),
        ]
        for path, clients in files
    ]  # fmt: skip
    return [orjson.loads(raw) for raw in run_processes(commands, duration + warmup + 120)]


def _summary(parts: list[dict[str, object]], seconds: float) -> dict[str, float]:
    latencies = sorted(x for p in parts for x in p["latencies_ms"])  # type: ignore[attr-defined]
    errors = sum(int(p["errors"]) for p in parts)  # type: ignore[call-overload]
    return {
        "rps": len(latencies) / seconds,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "errors": errors,
    }


async def _index_size(url: str) -> tuple[int, int]:
    """(bytes of the search structures, articles indexed)."""
    db = Database(make_engine(url))
    try:
        async with db.engine.connect() as conn:
            if db.is_sqlite:
                size = await conn.scalar(
                    text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%search%'")
                )
            else:
                size = await conn.scalar(text("SELECT pg_total_relation_size('search_document')"))
            count = await conn.scalar(text("SELECT count(*) FROM search_document"))
        return int(size or 0), int(count or 0)
    finally:
        await db.dispose()


async def _in_process(url: str, runs: int, candidates: int) -> list[str]:
    """The search alone (``search_hits``: analysis and its one statement), in this process,
    ``runs`` times per kind: wall p50/max and this process's CPU p50 (on SQLite that is the
    statement's CPU too; PostgreSQL's runs in the server). Less sensitive to load than HTTP."""
    db = Database(make_engine(url))
    gate = SearchGate(candidates=candidates)
    lines = [
        "| kind | found | exact count | wall p50 ms | wall max ms | client CPU p50 ms |",
        "|---|---:|---|---:|---:|---:|",
    ]
    try:
        for kind, q in KINDS.items():
            flt = ArticleFilter(search=q)
            walls, cpus = [], []
            for i in range(runs + 1):  # the first run warms caches
                wall, cpu = time.perf_counter(), time.process_time()
                found = (await search_hits(db, ANONYMOUS, now_utc(), flt, gate))[1]
                if i:
                    walls.append((time.perf_counter() - wall) * 1000)
                    cpus.append((time.process_time() - cpu) * 1000)
            lines.append(
                f"| {kind} | {len(found.hits)} | {'yes' if found.complete else 'no'} | "
                f"{statistics.median(walls):.1f} | {max(walls):.1f} | "
                f"{statistics.median(cpus):.1f} |"
            )
    finally:
        await db.dispose()
    return lines


def _measure(url: str, args: argparse.Namespace, workdir: Path) -> list[str]:
    env = server_env(url, {"GATEWAY_RESPONSE_CACHE": "false"})
    server: Server = gateway_server(env, DATA / "logs")
    server.start()
    try:
        server.wait_ready()
        port = server.port
        searches = {k: _request_file(workdir, f"s{i}", graphql_post(SEARCH, {"q": q}), port)
                    for i, (k, q) in enumerate(KINDS.items())}  # fmt: skip
        for kind, q in KINDS.items():
            body = send(port, graphql_post(SEARCH, {"q": q})).body
            found = orjson.loads(body)["data"]["articles"]["totalCount"]
            log(f"  {kind:12} {q!r}: {found} found (at most {args.candidates})")
        slug = pick_article_slug(url)
        article = _request_file(workdir, "article", graphql_post(ARTICLE, {"slug": slug}), port)
        d, w = args.duration, args.warmup
        lines, single = [], []
        for kind, path in searches.items():
            parts = _load(port, [(path, 1)], d, w)
            single += parts
            s = _summary(parts, d)
            lines.append(f"| 1 client | {kind} | {s['rps']:.0f} | {s['p50']:.1f} | "
                         f"{s['p99']:.1f} | {s['errors']:.0f} |")  # fmt: skip
        s = _summary(single, d * len(searches))
        lines.append(f"| 1 client | **all kinds** | {s['rps']:.0f} | {s['p50']:.1f} | "
                     f"**{s['p99']:.1f}** | {s['errors']:.0f} |")  # fmt: skip
        s = _summary(_load(port, [(p, 1) for p in searches.values()], d, w), d)
        lines.append(f"| {len(searches)} clients, one per kind | all kinds | {s['rps']:.0f} | "
                     f"{s['p50']:.1f} | {s['p99']:.1f} | {s['errors']:.0f} |")  # fmt: skip
        alone = _summary(_load(port, [(article, 32), (article, 32)], d, w), d)
        mix = _load(port, [(article, 26), (article, 25), (searches["common word"], 13)], d, w)
        reads, busy = _summary(mix[:2], d), _summary(mix[2:], d)
        lines.append(f"| 64 clients | article reads alone | {alone['rps']:.0f} | "
                     f"{alone['p50']:.1f} | {alone['p99']:.1f} | {alone['errors']:.0f} |")  # fmt: skip
        lines.append(f"| 64 clients: 51 read + | article reads in the mix | {reads['rps']:.0f} | "
                     f"{reads['p50']:.1f} | {reads['p99']:.1f} | {reads['errors']:.0f} |")  # fmt: skip
        lines.append(f"| 13 search (20%) | common-word searches in the mix | {busy['rps']:.0f} | "
                     f"{busy['p50']:.1f} | {busy['p99']:.1f} | {busy['errors']:.0f} SEARCH_BUSY |")  # fmt: skip
        return lines
    finally:
        server.stop()


@contextlib.contextmanager
def _databases(args: argparse.Namespace, spec: SeedSpec) -> Iterator[list[tuple[str, str]]]:
    found = []
    if not args.postgres_only:
        found.append(("sqlite", sqlite_database(spec)))
    with contextlib.ExitStack() as stack:
        if args.postgres_seeded:
            found.append(("postgresql", args.postgres_seeded.format(articles=spec.articles)))
        elif args.postgres:
            url, _ = stack.enter_context(postgres_database(args.postgres, spec))
            found.append(("postgresql", url))
        yield found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--articles", default="10000,100000")
    p.add_argument("--authors", type=int, default=200)
    p.add_argument("--postgres", nargs="?", const=os.environ.get("GATEWAY_BENCH_POSTGRES_URL"))
    p.add_argument(
        "--postgres-seeded",
        metavar="URL",
        help="use these already seeded PostgreSQL databases instead of seeding one per run "
        "({articles} in the URL is replaced by the size)",
    )
    p.add_argument("--postgres-only", action="store_true")
    p.add_argument("--runs", type=int, default=15, help="in-process runs per kind")
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--candidates", type=int, default=1000)
    p.add_argument("--no-record", action="store_true")
    args = p.parse_args(argv)
    out = [
        f"\n## Search — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {cpu_model()},"
        f" {os.cpu_count()} cores (shared with other work: noisy), revision "
        f"{git_revision(REPO)}\n",
        f"`python -m bench.search {' '.join(argv if argv is not None else sys.argv[1:])}`; "
        f"{args.duration:.0f} s measured per row after {args.warmup:.0f} s warm-up; response "
        "cache off; search settings at their defaults (4 concurrent, 2 s wait, 1000 "
        "candidates).\n",
    ]
    _emit(out, args)
    for size in (int(n) for n in args.articles.split(",")):
        spec = SeedSpec(articles=size, authors=args.authors)
        with _databases(args, spec) as dbs, tempfile.TemporaryDirectory() as tmp:
            for backend, url in dbs:
                index_bytes, indexed = asyncio.run(_index_size(url))
                log(f"{backend}, {size} articles: measuring")
                section = [
                    f"\n### {backend}, {size:,} articles — search index "
                    f"{index_bytes / 2**20:.1f} MiB for {indexed:,} documents\n",
                    "| load | what | req/s | p50 ms | p99 ms | errors |",
                    "|---|---|---:|---:|---:|---:|",
                    *_measure(url, args, Path(tmp)),
                    f"\nThe search alone, in process ({args.runs} runs per kind):\n",
                    *asyncio.run(_in_process(url, args.runs, args.candidates)),
                ]
                _emit(section, args)  # each section as soon as it is measured
    return 0


def _emit(lines: list[str], args: argparse.Namespace) -> None:
    report = "\n".join(lines) + "\n"
    print(report, flush=True)
    if not args.no_record:
        with (REPO / "bench" / "RESULTS.md").open("a") as f:
            f.write(report)


if __name__ == "__main__":
    raise SystemExit(main())
