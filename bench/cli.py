"""``python -m bench`` (``make bench``): the gateway against the reference, interleaved, on one
seeded database; prints the table and appends it to bench/RESULTS.md."""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
import shutil
import signal
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from bench.dataset import (
    DATA,
    REPO,
    SeedSpec,
    log,
    pick_article_slug,
    postgres_database,
    sqlite_database,
)
from bench.load import LoadError, RunResult, pick_tool, run_python, run_wrk
from bench.operations import OPERATION_NAMES, Operation, build_operations, check_response
from bench.report import Case, RunInfo, append_results, entry, p99_targets, table
from bench.servers import Server, ServerError, gateway_server, reference_server, send, server_env
from resolvers.db import redact_url

POSTGRES_ENV = "GATEWAY_BENCH_POSTGRES_URL"


class BenchError(RuntimeError):
    """The benchmark cannot produce a trustworthy number; the message says why."""


def _int_list(value: str) -> list[int]:
    try:
        numbers = sorted({int(v) for v in value.split(",") if v.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 16 or 16,64: {value!r}") from None
    if not numbers or numbers[0] < 1:
        raise argparse.ArgumentTypeError("concurrency must be at least 1")
    return numbers


def add_shared_args(p: argparse.ArgumentParser) -> None:
    """The flags ``python -m bench`` and ``python -m bench.mixed`` share (dataset, database,
    load generator, server settings, recording); ``check_shared_args`` validates them."""
    p.add_argument(
        "--postgres",
        nargs="?",
        const="",
        metavar="ADMIN_URL",
        help=f"Use PostgreSQL; the URL (default ${POSTGRES_ENV}) may create databases.",
    )
    p.add_argument("--articles", type=int, default=10_000)
    p.add_argument("--authors", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument(
        "--gateway-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Extra GATEWAY_* setting for the servers; overrides the operation's own "
        "(e.g. GATEWAY_REDIS_URL=redis://127.0.0.1:6379/0 for the shared cache).",
    )
    p.add_argument("--note", help="Free text recorded with the results.")
    p.add_argument("--results", type=Path, default=REPO / "bench" / "RESULTS.md")
    p.add_argument("--no-record", action="store_true", help="Print only; leave RESULTS.md.")


def check_shared_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.postgres == "":
        args.postgres = os.environ.get(POSTGRES_ENV) or p.error(
            f"--postgres without a URL needs ${POSTGRES_ENV}"
        )
    for item in args.gateway_env:
        if "=" not in item or not item.startswith("GATEWAY_"):
            p.error(f"--gateway-env expects GATEWAY_NAME=VALUE, got {item!r}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--only", action="append", choices=OPERATION_NAMES, help="Operation to run.")
    p.add_argument("--duration", type=float, default=10.0, help="Seconds measured per run.")
    p.add_argument("--warmup", type=float, default=2.0, help="Unmeasured seconds before each.")
    p.add_argument("--concurrency", type=_int_list, default=[16], help="Clients, e.g. 16,64.")
    p.add_argument("--repeats", type=int, default=3, help="Runs per endpoint (median kept).")
    p.add_argument("--no-analyze", action="store_true", help="Measure without planner statistics.")
    p.add_argument("--loadgen-procs", type=int, default=1, help="Python load generator procs.")
    add_shared_args(p)
    args = p.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.repeats < 1 or args.loadgen_procs < 1:
        p.error("--duration > 0, --warmup >= 0, --repeats >= 1, --loadgen-procs >= 1")
    check_shared_args(p, args)
    return args


@contextmanager
def database(args: argparse.Namespace, spec: SeedSpec) -> Iterator[tuple[str, str]]:
    """(database URL, backend label) for the whole run."""
    if args.postgres:
        with postgres_database(args.postgres, spec) as (url, version):
            yield url, f"PostgreSQL {version.split()[0]} (asyncpg)"
    else:
        yield sqlite_database(spec), f"SQLite {sqlite3.sqlite_version} (aiosqlite)"


def verify(op: Operation, reference: Server, gateway: Server) -> tuple[int | None, int | None]:
    """Both answer the same request with identical bytes; returns their SQL statement counts."""
    ref, gw = send(reference.port, op.request), send(gateway.port, op.request)
    for name, response in (("reference", ref), ("gateway", gw)):
        problem = check_response(op, response.body) if response.status == 200 else "not 200"
        if problem:
            raise BenchError(f"{op.name}: {name} answered {response.status}: {problem}")
    if ref.body != gw.body:
        paths = {}
        for name, body in (("reference", ref.body), ("gateway", gw.body)):
            paths[name] = DATA / f"mismatch-{op.name}-{name}.json"
            paths[name].write_bytes(orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2))
        diff = difflib.unified_diff(
            paths["reference"].read_text().splitlines(),
            paths["gateway"].read_text().splitlines(),
            "reference",
            "gateway",
            lineterm="",
        )
        shown = "\n".join(list(diff)[:60])
        raise BenchError(
            f"{op.name}: the gateway and the reference answer differently; fix the reference "
            f"(or report the gateway) before measuring. Full bodies: {paths['reference']} and "
            f"{paths['gateway']}\n{shown}"
        )
    return ref.statements, gw.statements


def prime(op: Operation, gateway: Server) -> None:
    """Requests the gateway gets once before the comparison (warm cache, APQ registration)."""
    for request in op.prime:
        response = send(gateway.port, request)
        if response.status != 200:
            raise BenchError(f"{op.name}: priming request answered {response.status}")


def conditional(op: Operation, gateway: Server) -> Operation:
    """The operation with If-None-Match set to the gateway's ETag; checks the 304."""
    etag = send(gateway.port, op.request).headers.get("etag")
    if not etag:
        raise BenchError(f"{op.name}: the gateway sent no ETag")
    measured = op.with_etag(etag)
    answer = send(gateway.port, measured.request)
    if answer.status != 304:
        raise BenchError(f"{op.name}: expected 304 to If-None-Match, got {answer.status}")
    return measured


def measure(op: Operation, url: str, args: argparse.Namespace, tool: str) -> list[Case]:
    """Fresh servers for this operation (so peak RSS is this operation's), then ABBA runs."""
    # The operation's own settings (response cache on or off) first; --gateway-env wins.
    extra = {**op.gateway_env, **dict(item.split("=", 1) for item in args.gateway_env)}
    env = server_env(url, extra)
    logs, work = DATA / "logs", DATA / "work"
    work.mkdir(parents=True, exist_ok=True)
    reference, gateway = reference_server(env, logs), gateway_server(env, logs)
    raw = reference_server(env, logs, "bench.reference_raw", "raw")
    cases = []
    try:
        for server in (raw, reference, gateway):
            server.start()
        for server in (raw, reference, gateway):
            server.wait_ready()
        prime(op, gateway)
        raw_statements, _ = verify(op, raw, gateway)
        ref_statements, gw_statements = verify(op, reference, gateway)
        load_op = conditional(op, gateway) if op.conditional else op
        log(f"{op.name}: identical JSON from both; SQL statements per request: "
            f"reference {ref_statements}, gateway {gw_statements}")  # fmt: skip
        for concurrency in args.concurrency:
            case = Case(op.name, concurrency)
            case.reference.statements, case.gateway.statements = ref_statements, gw_statements
            case.raw.statements = raw_statements
            for repeat in range(args.repeats):
                trio = [(raw, case.raw), (reference, case.reference), (gateway, case.gateway)]
                for server, measured in trio if repeat % 2 == 0 else trio[::-1]:
                    result = run_once(load_op, server, args, tool, concurrency, work)
                    server.check_alive()
                    report_run(load_op, server, concurrency, repeat, result)
                    measured.runs.append(result)
            case.reference.peak_rss_mib = reference.peak_rss_mib()
            case.gateway.peak_rss_mib = gateway.peak_rss_mib()
            case.raw.peak_rss_mib = raw.peak_rss_mib()
            cases.append(case)
        verify(op, reference, gateway)  # still the same answer after the load
    finally:
        for server in (gateway, reference, raw):
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return cases


def run_once(
    op: Operation, server: Server, args: argparse.Namespace, tool: str, clients: int, work: Path
) -> RunResult:
    timing = {"duration": args.duration, "warmup": args.warmup, "concurrency": clients}
    if tool == "wrk":
        return run_wrk(op, server.port, workdir=work, cpu=server.cpu_seconds, **timing)
    return run_python(op, server.port, processes=args.loadgen_procs, workdir=work, **timing)


def report_run(op: Operation, server: Server, clients: int, repeat: int, r: RunResult) -> None:
    log(
        f"{op.name} c={clients} #{repeat + 1} {server.name:9}: {r.rps:8,.0f} req/s  "
        f"p50 {r.p50_ms:7.1f} ms  p99 {r.p99_ms:7.1f} ms"
        + (f"  ERRORS {r.errors} (first: {r.first_error})" if r.errors else "")
    )
    if r.requests == r.errors:
        raise BenchError(f"{server.name} answered no request successfully: {r.first_error}")


def recorded_command(argv: list[str], module: str = "bench") -> str:
    """The command line as run, with any database password hidden."""
    shown = [redact_url(a) if a.startswith("postgres") else a for a in argv]
    return shlex.join(["python", "-m", module, *shown])


def stop_on_signals() -> None:
    """SIGINT, SIGTERM and SIGHUP end the run through KeyboardInterrupt: servers are stopped."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    spec = SeedSpec(
        articles=args.articles, authors=args.authors, seed=args.seed, analyze=not args.no_analyze
    )
    try:
        tool = pick_tool(args.loadgen)
        with database(args, spec) as (url, backend):
            ops = build_operations(pick_article_slug(url))
            cases = []
            for name in args.only or OPERATION_NAMES:
                cases += measure(ops[name], url, args, tool)
    except KeyboardInterrupt:
        log("interrupted; servers stopped, nothing recorded")
        return 130
    except (BenchError, ServerError, LoadError) as exc:
        log(f"FAILED: {exc}")
        return 1
    load = (
        f"{tool if tool == 'wrk' else 'python load generator'}, {args.duration:g} s per run after "
        f"{args.warmup:g} s warm-up, {args.repeats} runs per endpoint interleaved (ABBA), medians"
    )
    info = RunInfo(
        backend=backend,
        dataset=f"{spec.articles:,} articles, {spec.authors} authors, seed {spec.seed}"
        + ("" if spec.analyze else ", no ANALYZE"),
        load=load,
        command=recorded_command(argv if argv is not None else sys.argv[1:]),
        repo=REPO,
        note=args.note,
    )
    print()
    print(table(cases))
    print("\n".join(p99_targets(cases)))
    if not args.no_record:
        append_results(args.results, entry(cases, info))
        log(f"recorded in {args.results}")
    return 0
