"""``python -m bench.mixed``: what users see. 64 clients read through the response cache (90% a
hot set, 10% distinct reads) while an editor saves an article once a second; beside it, the
uncached home page at 64 clients against both references. Prints the tables and the targets,
and appends them to bench/RESULTS.md."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import UTC, datetime

from bench.cli import (
    BenchError,
    add_shared_args,
    check_shared_args,
    database,
    measure,
    recorded_command,
    stop_on_signals,
)
from bench.dataset import DATA, REPO, SeedSpec, log, pick_article_slug
from bench.load import LoadError, pick_tool
from bench.mixed_run import (
    IDLE_WRITES,
    MixedConfig,
    MixedError,
    MixedResult,
    run_mixed,
    writable_copy,
)
from bench.operations import build_operations
from bench.report import (
    Case,
    append_results,
    cpu_model,
    git_revision,
    p99_targets,
    table,
    verdict,
)
from bench.servers import ServerError

MIXED_P99_TARGET_MS = 100.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.mixed", description=__doc__)
    p.add_argument("--duration", type=float, default=10.0, help="Seconds measured per run.")
    p.add_argument("--warmup", type=float, default=2.0, help="Unmeasured seconds before each.")
    p.add_argument("--concurrency", type=int, default=64, help="Reading clients.")
    p.add_argument("--repeats", type=int, default=1, help="Mixed runs (each reported).")
    p.add_argument("--hot", type=int, default=20, help="Newest articles in the hot set.")
    p.add_argument("--hot-share", type=float, default=0.9, help="Share of hot reads.")
    p.add_argument(
        "--writes-per-second", type=float, default=1.0, help="Editor's rate; 0: reads only."
    )
    p.add_argument("--home-repeats", type=int, default=1, help="Uncached home runs; 0: skip.")
    add_shared_args(p)
    args = p.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.repeats < 1 or args.concurrency < 1:
        p.error("--duration > 0, --warmup >= 0, --repeats >= 1, --concurrency >= 1")
    if not 0 <= args.hot_share <= 1 or args.writes_per_second < 0 or args.hot < 1:
        p.error("--hot-share in [0, 1], --writes-per-second >= 0, --hot >= 1")
    check_shared_args(p, args)
    return args


def mixed_table(result: MixedResult) -> str:
    lines = [
        "| run | clients | reads req/s | read p50 ms | read p99 ms | app CPU ms/read "
        "| read errors | cache hits | writes ok/attempted | write p50 / p99 / max ms "
        "| read-backs (stale) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, run in enumerate(result.runs, 1):
        r, w = run.reads, run.writes
        cpu = "?" if r.cpu_ms_per_request is None else f"{r.cpu_ms_per_request:.2f}"
        skipped = f" ({w.late} skipped)" if w.late else ""
        latency = f"{w.p50_ms:.0f} / {w.p99_ms:.0f} / {w.max_ms:.0f}" if w.latencies_ms else "-"
        lines.append(
            f"| {number} | {result.config.concurrency} | {r.rps:,.0f} | {r.p50_ms:.1f} "
            f"| {r.p99_ms:.1f} | {cpu} | {r.errors} | {run.hit_share:.0%} "
            f"| {w.ok}/{w.attempted}{skipped} | {latency} | {w.checked} ({w.stale}) |"
        )
    return "\n".join(lines)


def targets(result: MixedResult, home: list[Case]) -> list[str]:
    lines = [
        f"- mixed read p99, run {number}: {verdict(run.reads.p99_ms, MIXED_P99_TARGET_MS)}"
        for number, run in enumerate(result.runs, 1)
    ]
    lines += p99_targets(home)
    problems = [p for run in result.runs for p in run.writes.problems]
    if problems:
        lines.append(f"- editor problems: {'; '.join(problems[:3])}")
    return lines


def load_averages() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def entry(
    result: MixedResult,
    home: list[Case],
    backend: str,
    args: argparse.Namespace,
    start_load: str,
    command: str,
) -> str:
    c = result.config
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {stamp} · mixed workload · {backend}",
        "",
        f"- machine: {len(os.sched_getaffinity(0))} CPUs ({cpu_model()}), {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; load averages (1/5/15 min) "
        f"{start_load} at the start, {load_averages()} at the end (shared machine)",
        f"- data: {args.articles:,} articles, {args.authors} authors, seed {args.seed}; "
        f"{result.distinct_articles:,} public",
        f"- mixed: {c.concurrency} clients, {c.tool}, {c.duration:g} s measured after {c.warmup:g} s "
        f"warm-up; {c.hot_share:.0%} hot reads (home, article and route of the {result.hot_articles} "
        f"newest articles), the rest an article or route of any public article; response cache on "
        f"(in-process unless --gateway-env says otherwise); editor: updateArticle "
        f"{c.writes_per_second:g}/s (half on the hot set), each read back anonymously by slug and "
        f"by route; a save with no load takes {result.idle_write_ms:.0f} ms (median of "
        f"{IDLE_WRITES}, before the runs)",
        f"- code: {git_revision(REPO)}; command: `{command}`",
    ]
    if args.note:
        lines.append(f"- note: {args.note}")
    lines += ["", mixed_table(result), ""]
    if home:
        lines += [
            "Uncached home page beside it (response cache off, same database):",
            "",
            table(home),
            "",
        ]
    lines += ["Targets:", "", *targets(result, home), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    start_load = load_averages()
    spec = SeedSpec(articles=args.articles, authors=args.authors, seed=args.seed)
    extra = dict(item.split("=", 1) for item in args.gateway_env)
    try:
        tool = pick_tool(args.loadgen)
        config = MixedConfig(
            duration=args.duration, warmup=args.warmup, concurrency=args.concurrency,
            hot=args.hot, hot_share=args.hot_share, writes_per_second=args.writes_per_second,
            tool=tool, repeats=args.repeats, gateway_env=extra,
        )  # fmt: skip
        with database(args, spec) as (url, backend):
            work = DATA / "work"
            work.mkdir(parents=True, exist_ok=True)
            with writable_copy(url) as mixed_url:
                result = run_mixed(mixed_url, config, DATA / "logs", work)
            home: list[Case] = []
            if args.home_repeats:
                home_args = argparse.Namespace(
                    duration=args.duration, warmup=args.warmup, repeats=args.home_repeats,
                    concurrency=[args.concurrency], gateway_env=args.gateway_env, loadgen_procs=1,
                )  # fmt: skip
                home = measure(
                    build_operations(pick_article_slug(url))["home"], url, home_args, tool
                )
    except KeyboardInterrupt:
        log("interrupted; servers stopped, nothing recorded")
        return 130
    except (BenchError, MixedError, ServerError, LoadError) as exc:
        log(f"FAILED: {exc}")
        return 1
    command = recorded_command(argv if argv is not None else sys.argv[1:], "bench.mixed")
    text = entry(result, home, backend, args, start_load, command)
    print()
    print(text)
    if not args.no_record:
        append_results(args.results, text)
        log(f"recorded in {args.results}")
    failed = any(run.reads.errors or run.writes.failed or run.writes.stale for run in result.runs)
    return 2 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
