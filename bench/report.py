"""Results: medians of repeated runs, the table, and the dated entry in bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from bench.load import RunResult

RESULTS_HEADER = """# Benchmark results

Entries are appended by `make bench` (newest last); see `bench/README.md` for what the numbers
mean. Absolute numbers depend on a shared, noisy machine: compare the gateway/reference ratios,
which are measured in the same run, interleaved.
"""


@dataclass
class Measured:
    """All runs of one endpoint for one operation at one concurrency."""

    runs: list[RunResult] = field(default_factory=list)
    statements: int | None = None
    peak_rss_mib: float = 0.0

    @property
    def rps(self) -> float:
        return median(r.rps for r in self.runs)

    @property
    def p50_ms(self) -> float:
        return median(r.p50_ms for r in self.runs)

    @property
    def p99_ms(self) -> float:
        return median(r.p99_ms for r in self.runs)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    @property
    def cpu_ms(self) -> float | None:
        """App CPU milliseconds per request (median of the runs; wrk runs only)."""
        values = [v for r in self.runs if (v := r.cpu_ms_per_request) is not None]
        return median(values) if values else None


@dataclass
class Case:
    operation: str
    concurrency: int
    reference: Measured = field(default_factory=Measured)
    gateway: Measured = field(default_factory=Measured)
    raw: Measured = field(default_factory=Measured)  # bench/reference_raw.py (the driver)

    @property
    def ratio(self) -> float:
        return self.gateway.rps / self.reference.rps if self.reference.rps else float("nan")

    @property
    def raw_ratio(self) -> float:
        if not self.raw.runs or not self.raw.rps:
            return float("nan")
        return self.gateway.rps / self.raw.rps

    @property
    def ratio_range(self) -> tuple[float, float]:
        """Lowest and highest ratio of the runs made next to each other: the noise."""
        pairs = zip(self.gateway.runs, self.reference.runs, strict=True)
        ratios = [g.rps / r.rps for g, r in pairs if r.rps] or [float("nan")]
        return min(ratios), max(ratios)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def git_revision(repo: Path) -> str:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    revision = git("rev-parse", "--short", "HEAD") or "unknown"
    # The results file itself changes with every recorded run; it is not code.
    changed = git("status", "--porcelain", "--", ".", ":!bench/RESULTS.md")
    return revision + (" (uncommitted changes)" if changed else "")


def table(cases: list[Case]) -> str:
    lines = [
        "| operation | clients | endpoint | req/s | p50 ms | p99 ms | gateway/reference (runs) "
        "| gateway/raw | app CPU ms/req | SQL/request | peak RSS MiB | errors |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in cases:
        endpoints = [("raw", case.raw), ("reference", case.reference), ("gateway", case.gateway)]
        for name, m in endpoints:
            if not m.runs:
                continue
            low, high = case.ratio_range
            ratio = f"**{case.ratio:.2f}x** ({low:.2f}-{high:.2f})" if name == "gateway" else ""
            raw = f"**{case.raw_ratio:.2f}x**" if name == "gateway" and case.raw.runs else ""
            cpu = "?" if m.cpu_ms is None else f"{m.cpu_ms:.2f}"
            statements = "?" if m.statements is None else str(m.statements)
            lines.append(
                f"| {case.operation} | {case.concurrency} | {name} | {m.rps:,.0f} "
                f"| {m.p50_ms:.1f} | {m.p99_ms:.1f} | {ratio} | {raw} | {cpu} | {statements} "
                f"| {m.peak_rss_mib:.0f} | {m.errors} |"
            )
    return "\n".join(lines)


HOME_P99_TARGET_MS = 200.0  # issue 13: uncached home page, 64 clients, 1 worker


def verdict(value_ms: float, target_ms: float) -> str:
    met = "met" if value_ms < target_ms else "missed"
    return f"{value_ms:.1f} ms (target < {target_ms:.0f} ms: **{met}**)"


def p99_targets(cases: list[Case]) -> list[str]:
    """The latency targets these cases answer: the uncached home page's p99 at 64+ clients."""
    return [
        f"- uncached home p99 at {case.concurrency} clients (gateway): "
        + verdict(case.gateway.p99_ms, HOME_P99_TARGET_MS)
        for case in cases
        if case.operation == "home" and case.concurrency >= 64 and case.gateway.runs
    ]


@dataclass
class RunInfo:
    backend: str
    dataset: str
    load: str
    command: str
    repo: Path
    note: str | None = None


def entry(cases: list[Case], info: RunInfo) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"{len(os.sched_getaffinity(0))} CPUs ({cpu_model()}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, 1-min load average {os.getloadavg()[0]:.1f} at the end"
    )
    lines = [
        f"## {stamp} · {info.backend}",
        "",
        f"- machine: {machine}",
        f"- backend: {info.backend}; data: {info.dataset}",
        f"- load: {info.load}",
        f"- code: {git_revision(info.repo)}; command: `{info.command}`",
    ]
    if info.note:
        lines.append(f"- note: {info.note}")
    lines += ["", table(cases), ""]
    if targets := p99_targets(cases):
        lines += [*targets, ""]
    return "\n".join(lines)


def append_results(path: Path, text: str) -> None:
    """Add an entry after the earlier ones (never rewriting them)."""
    existing = path.read_text() if path.exists() else RESULTS_HEADER
    if not existing.endswith("\n"):
        existing += "\n"
    path.write_text(existing + "\n" + text)
