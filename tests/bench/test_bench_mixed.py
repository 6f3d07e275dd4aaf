"""The mixed workload's machinery (``python -m bench.mixed``) on a tiny dataset: a served gateway,
the Python load generator for about a second, the editor writing through a real token. Not a
timing test: it runs, every answer is correct, no read-back is stale, and the report has its
fields."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from bench.mixed import MIXED_P99_TARGET_MS, mixed_table, targets
from bench.mixed_load import ROUTE_QUERY, Mix, Target, answer_problem, mixed_wrk_script
from bench.mixed_run import MixedConfig, run_mixed
from resolvers.demo.seed import seed_content


async def test_mixed_workload_runs_and_answers_correctly(db, database_url, tmp_path: Path):
    await seed_content(db, authors=4, articles=40, seed=5)
    config = MixedConfig(
        duration=1.0, warmup=0.3, concurrency=4, hot=5, writes_per_second=4.0, tool="python"
    )
    result = await asyncio.to_thread(run_mixed, database_url, config, tmp_path / "logs", tmp_path)

    (run,) = result.runs
    reads, writes = run.reads, run.writes
    assert reads.requests > 0
    assert reads.errors == 0, reads.first_error
    assert reads.p50_ms > 0 and reads.p99_ms >= reads.p50_ms
    assert writes.attempted >= 1 and writes.failed == 0, writes.problems
    assert writes.ok == writes.attempted == writes.checked == len(writes.latencies_ms)
    assert writes.stale == 0, writes.problems
    assert result.hot_articles == 5 and result.distinct_articles > 5 and result.idle_write_ms > 0
    # The hot reads are answered from the response cache (counted by the gateway's /metrics).
    assert run.cache_hits > 0 and run.cache_misses > 0 and 0 < run.hit_share < 1

    report = mixed_table(result)
    for column in ("reads req/s", "read p50 ms", "read p99 ms", "read errors",
                   "cache hits", "writes ok/attempted", "write p50 / p99 / max ms", "read-backs (stale)"):  # fmt: skip
        assert column in report
    assert f"| 1 | 4 | {reads.rps:,.0f} |" in report
    (line,) = targets(result, [])
    assert line.startswith("- mixed read p99, run 1:") and f"< {MIXED_P99_TARGET_MS:.0f} ms" in line


@pytest.mark.parametrize(
    ("status", "body", "wrong"),
    [
        (200, b'{"data":{"article":{"slug":"a","body":"say \\"errors\\": none"}}}', False),
        (200, b'{"data":{"route":{"__typename":"Article","slug":"a"}}}', False),
        (200, b'{"data":null,"errors":[{"message":"boom"}]}', True),
        (200, b'{"data":{"articles":null},"errors":[{"message":"boom"}]}', True),
        (200, b'{"errors":[{"message":"bad"}]}', True),
        (200, b'{"data":{"article":null}}', True),
        (200, b'{"data":{"route":{"__typename":"NotFound"}}}', True),
        (500, b'{"data":{"article":{"slug":"a"}}}', True),
    ],
)
def test_answer_check_rejects_error_bodies_and_missing_content(status, body, wrong):
    assert (answer_problem(status, body) is not None) is wrong


def test_mix_weights_and_wrk_script():
    hot = [Target(f"hot-{i}", f"/articles/hot-{i}") for i in range(3)]
    everything = hot + [Target(f"any-{i}", f"/articles/any-{i}") for i in range(7)]
    mix = Mix.build(hot, everything, 0.9)
    bodies = [orjson.loads(r.body) for r in mix.hot]
    # The home page weighs as much as the hot articles together, and as the hot routes.
    assert sum("HomePage" in b["query"] for b in bodies) == 3
    assert sum(b.get("variables", {}).get("slug", "").startswith("hot-") for b in bodies) == 3
    assert [b["variables"]["path"] for b in bodies if b["query"] == ROUTE_QUERY] == [
        t.path for t in hot
    ]
    assert len(mix.distinct) == 2 * len(everything)
    script = mixed_wrk_script(mix)
    assert "local hot_share = 0.9" in script and "any-6" in script and "function done" in script
    assert script.count("HomePage") == 3
