"""The mixed workload against one served gateway (``python -m bench.mixed`` runs it): clients read
through the response cache (90% a hot set, 10% distinct articles and routes: mostly misses) while
an editor saves an article once a second.

Reads are driven by wrk (a Lua script choosing requests by weight) or ``bench.loadgen
--mix-file``; every answer is checked (no error bodies, no missing article); after every
acknowledged write the article is read back anonymously and must show the new title.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.dataset import DATA, log
from bench.load import RunResult
from bench.mixed_load import Mix, Target, answer_problem, run_mixed_reads
from bench.mixed_writer import Editor, WriteFailed, WriteStats
from bench.operations import HttpRequest
from bench.servers import Server, gateway_server, send, server_env
from gateway.app import site_from_settings
from gateway.config.settings import load_settings
from resolvers.access import ANONYMOUS, article_visible
from resolvers.db import Database, make_engine, now_utc
from resolvers.models import article_t

CACHED = {"GATEWAY_RESPONSE_CACHE": "true"}
CACHE_SERIES = ("gateway_response_cache_hits_total", "gateway_response_cache_misses_total")


class MixedError(RuntimeError):
    """The mixed workload cannot give a trustworthy answer; the message says why."""


@dataclass(frozen=True)
class MixedConfig:
    duration: float = 10.0
    warmup: float = 2.0
    concurrency: int = 64
    hot: int = 20  # newest public articles in the hot set
    hot_share: float = 0.9
    writes_per_second: float = 1.0
    tool: str = "wrk"  # or "python"
    repeats: int = 1
    gateway_env: dict[str, str] = field(default_factory=dict)


@dataclass
class MixedRun:
    reads: RunResult
    writes: WriteStats
    cache_hits: float = 0.0  # response-cache hits and misses during the run (warm-up included),
    cache_misses: float = 0.0  # from the gateway's /metrics

    @property
    def hit_share(self) -> float:
        total = self.cache_hits + self.cache_misses
        return self.cache_hits / total if total else float("nan")


@dataclass
class MixedResult:
    config: MixedConfig
    runs: list[MixedRun]
    hot_articles: int
    distinct_articles: int
    idle_write_ms: float  # the median save with no read load (IDLE_WRITES of them, before)


IDLE_WRITES = 3


def settings_env(env: dict[str, str]) -> dict[str, str]:
    """The servers' GATEWAY_* environment as settings keyword arguments."""
    return {
        k.removeprefix("GATEWAY_").lower(): v for k, v in env.items() if k.startswith("GATEWAY_")
    }


async def _targets(url: str, env: dict[str, str]) -> list[Target]:
    """Every public article, newest first, with its canonical path as the server computes it."""
    site = site_from_settings(load_settings(**settings_env(env)))
    db = Database(make_engine(url))
    try:
        rows = await db.all(
            select(article_t.c.slug, article_t.c.locale)
            .where(article_visible(ANONYMOUS, now_utc()))
            .order_by(article_t.c.published_at.desc(), article_t.c.id.desc())
        )
    finally:
        await db.dispose()
    return [Target(r.slug, site.path("article", r.slug, r.locale)) for r in rows]


def create_editor_token(env: dict[str, str], cwd: Path) -> str:
    """A real editor token, issued by the CLI against the bench database."""
    cwd.mkdir(parents=True, exist_ok=True)  # not the repository: a developer's .env stays out
    script = Path(sys.executable).parent / "content-gateway"
    command = [str(script), "token", "create", "--name", f"bench-editor-{os.getpid()}"]
    done = subprocess.run(
        [*command, "--role", "editor"], env=env, cwd=cwd, capture_output=True, check=False
    )
    token = done.stdout.decode().strip()
    if done.returncode != 0 or not token:
        raise MixedError(f"token create failed: {done.stderr.decode()[-500:]}")
    return token


@contextmanager
def writable_copy(url: str) -> Iterator[str]:
    """The editor changes titles: on SQLite, write to a copy so the reused seeded file stays
    as seeded. (A PostgreSQL bench database is the run's own and dropped after it.)"""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        yield url
        return
    copy = DATA / f"mixed-{os.getpid()}.db"
    with sqlite3.connect(parsed.database or "") as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    try:
        yield str(parsed.set(database=str(copy)))
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)


def cache_counts(port: int, token: str) -> tuple[float, float]:
    """(hits, misses) of the response cache so far, from /metrics."""
    response = send(port, HttpRequest("GET", "/metrics", {"Authorization": f"Bearer {token}"}))
    if response.status != 200:
        raise MixedError(f"/metrics answered {response.status}")
    totals = dict.fromkeys(CACHE_SERIES, 0.0)
    for line in response.body.decode().splitlines():
        name, _, value = line.partition(" ")
        if name.split("{", 1)[0] in totals:
            totals[name.split("{", 1)[0]] += float(value.split()[0])
    return totals[CACHE_SERIES[0]], totals[CACHE_SERIES[1]]


def check_reads(port: int, mix: Mix, distinct_sample: int = 20) -> None:
    """Every hot read and a sample of distinct ones answer correctly."""
    for request in [*mix.hot, *mix.distinct[:: max(1, len(mix.distinct) // distinct_sample)]]:
        response = send(port, request)
        problem = answer_problem(response.status, response.body)
        if problem:
            raise MixedError(f"a read answered wrongly: {problem}")


def idle_writes(port: int, token: str, hot: list[Target]) -> float:
    """The editor's save with nothing else running: what the loaded latency compares with."""
    probe = Editor(port, token, hot, hot, rate=1.0)
    for number, target in enumerate(hot[:IDLE_WRITES], 1):
        try:
            probe.write_once(target, number)
        except WriteFailed as exc:
            raise MixedError(f"a write failed before the load: {exc}") from None
    if probe.stats.stale:
        raise MixedError(f"stale before the load: {probe.stats.problems}")
    return probe.stats.p50_ms


def run_mixed(url: str, config: MixedConfig, logs: Path, workdir: Path) -> MixedResult:
    """Start a gateway (response cache on, production settings) on ``url`` and measure."""
    metrics_token = secrets.token_urlsafe(16)
    env = server_env(url, {**CACHED, "GATEWAY_METRICS_TOKEN": metrics_token, **config.gateway_env})
    targets = asyncio.run(_targets(url, env))
    if len(targets) < config.hot + 1:
        raise MixedError(f"only {len(targets)} public articles: the hot set needs more")
    hot = targets[: config.hot]
    mix = Mix.build(hot, targets, config.hot_share)
    token = create_editor_token(env, logs)
    gateway = gateway_server(env, logs)
    runs = []
    try:
        gateway.start()
        gateway.wait_ready()
        check_reads(gateway.port, mix)
        idle_ms = idle_writes(gateway.port, token, hot)
        for repeat in range(config.repeats):
            hits, misses = cache_counts(gateway.port, metrics_token)
            runs.append(_one_run(gateway, mix, token, hot, targets, config, workdir))
            after = cache_counts(gateway.port, metrics_token)
            runs[-1].cache_hits, runs[-1].cache_misses = after[0] - hits, after[1] - misses
            gateway.check_alive()
            _log_run(repeat, runs[-1])
        check_reads(gateway.port, mix)  # still right after the load and the writes
    finally:
        gateway.stop()
    return MixedResult(config, runs, len(hot), len(targets), idle_ms)


def _one_run(
    gateway: Server,
    mix: Mix,
    token: str,
    hot: list[Target],
    targets: list[Target],
    config: MixedConfig,
    workdir: Path,
) -> MixedRun:
    rate = config.writes_per_second
    editor = Editor(gateway.port, token, hot, targets, rate) if rate > 0 else None
    start = editor.start if editor is not None else (lambda: None)
    try:
        reads = run_mixed_reads(
            mix, gateway.port, config.tool, duration=config.duration, warmup=config.warmup,
            concurrency=config.concurrency, workdir=workdir, cpu=gateway.cpu_seconds, during=start,
        )  # fmt: skip
    finally:
        if editor is None:
            writes = WriteStats()  # --writes-per-second 0: the reads alone, for comparison
        else:
            writes = editor.stop() if editor.is_alive() else editor.stats
    return MixedRun(reads, writes)


def _log_run(repeat: int, run: MixedRun) -> None:
    r, w = run.reads, run.writes
    log(
        f"mixed #{repeat + 1}: reads {r.rps:,.0f} req/s p50 {r.p50_ms:.1f} ms p99 "
        f"{r.p99_ms:.1f} ms errors {r.errors}; writes {w.ok}/{w.attempted} ok, p50 "
        f"{w.p50_ms:.0f} ms, stale reads {w.stale}; cache hits {run.hit_share:.0%}"
        + (f"; first problem: {r.first_error or w.problems[0]}" if r.errors or w.problems else "")
    )
