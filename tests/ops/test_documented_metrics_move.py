"""Every metric series the docs list moves when its event happens (hits, misses, evictions,
rate limits, persisted-query misses, ...), and operation outcomes are counted right: a
rate-limited operation is "rejected", a timed-out one an "error", never a "success"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.ops.logs import drain_logs
from tests.support import add_article, add_author, gql

ROOT = Path(__file__).resolve().parents[2]
MODULE_SETTINGS = {
    "metrics_enabled": True,
    "persisted_queries": "apq",
    "cache_memory_bytes": 4096,  # a few answers: the next ones evict
    "rate_limit_budget": 0,
}
RATE_LIMITED = {
    "max_query_cost": 50,
    "rate_limit_budget": 60,
    "rate_limit_window": 3600,
    "response_cache": False,  # every request reaches the limiter
}
COST_50 = "{ articles(first: 10) { nodes { title } } }"  # 10 x (2 + (2 + 1)) = 50
DOC_ROW = re.compile(r"^\|\s*(`gateway_[^|]*)\|")
# Needs a deprecated schema member; the schema has none today (checked below).
NEEDS_DEPRECATION = {"gateway_deprecated_field_usage_total"}


def documented_series() -> set[str]:
    """Series names from the metrics tables of README.md and docs/*.md (``_misses_total``
    after ``gateway_response_cache_hits_total`` shares its prefix)."""
    names: set[str] = set()
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in doc.read_text().splitlines():
            match = DOC_ROW.match(line)
            if not match:
                continue
            cell = re.findall(r"`([_a-z]+)`", match.group(1))
            first = cell[0]
            names.add(first)
            for other in cell[1:]:
                names.add(first.rsplit("_", 2)[0] + other if other.startswith("_") else other)
    return names


def samples(text: str) -> dict[str, float]:
    """Largest sample value per series name (counter totals, histogram counts, gauges)."""
    seen: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_bucket"):
                continue
            name = sample.name.removesuffix("_count").removesuffix("_sum")
            seen[name] = max(seen.get(name, 0.0), sample.value)
    return seen


def outcome(text: str, wanted: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            name = sample.name
            if name == "gateway_graphql_operations_total" and sample.labels["outcome"] == wanted:
                total += sample.value
    return total


@pytest.fixture
async def content(db):
    ada = await add_author(db, "Ada")
    for i in range(6):
        await add_article(db, f"Piece {i}", authors=[ada], body="<p>" + "word " * 200 + "</p>")


async def test_every_documented_series_moves(client, content):
    documented = documented_series()
    assert "gateway_response_cache_misses_total" in documented, documented
    # hits, misses, evictions: six articles in a 4 KB cache
    for i in range(6):
        for _ in range(2):  # a miss, then a hit; later pieces evict earlier ones
            query = '{ article(slug: "piece-%s") { title body } }'.replace("%s", str(i))
            await gql(client, query, method="GET")
    await gql(client, "query Named { articles(first: 2) { nodes { title authors { name } } } }")
    await gql(client, '{ article(id: "not-an-id") { title } }')  # a resolver error
    apq = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    await client.post("/graphql", json={"extensions": apq})  # persisted-query miss
    text = (await client.get("/metrics")).text
    moved = {name for name, value in samples(text).items() if value > 0}
    schema_has_deprecations = "@deprecated" in (ROOT / "schema.graphql").read_text()
    expected = documented if schema_has_deprecations else documented - NEEDS_DEPRECATION
    # Rate limits are off here (they would refuse the rest); the next test covers them.
    assert expected - moved == {"gateway_rate_limited_requests_total"}
    assert outcome(text, "success") >= 1


@pytest.mark.parametrize("settings_overrides", [RATE_LIMITED])
async def test_rate_limited_requests_are_counted_and_not_executed(client, content):
    first, second, third = [await gql(client, COST_50) for _ in range(3)]
    assert first.response.status_code == 200
    assert second.response.status_code == 429  # refused after validation: never ran
    assert third.response.status_code == 429
    text = (await client.get("/metrics")).text
    assert samples(text)["gateway_rate_limited_requests_total"] == 2
    assert outcome(text, "rejected") == 2
    assert outcome(text, "error") == 0
    assert outcome(text, "success") == 1


# The limit stops an operation where it waits: here on its reads, which SQLite's inline reads
# (answered at once on the event loop's thread, resolvers/sqlite_reader.py) would not do.
WAITS_ON_THE_DATABASE = {"execution_timeout": 0.000001, "db_sqlite_inline_reads": False}


@pytest.mark.parametrize("settings_overrides", [WAITS_ON_THE_DATABASE])
async def test_a_timed_out_operation_is_not_a_success(client, content):
    result = await gql(client, "{ articles(first: 5) { nodes { title body } } }")
    assert result.response.status_code == 504
    text = (await client.get("/metrics")).text
    assert outcome(text, "success") == 0
    assert outcome(text, "error") == 1


async def test_access_log_names_the_operation_of_a_cache_hit(client, content, capsys):
    query = "query HomePage { articles(first: 2) { nodes { slug } } }"
    await gql(client, query, method="GET")
    drain_logs()  # access-log lines are written by the log writer thread
    capsys.readouterr()
    hit = await gql(client, query, method="GET")
    assert 'desc="hit"' in hit.response.headers["server-timing"]
    drain_logs()
    lines = [line for line in capsys.readouterr().err.splitlines() if "gateway.access" in line]
    assert len(lines) == 1 and "cache=hit" in lines[0], lines
    assert "operation_name=HomePage" in lines[0] and "operation_type=query" in lines[0]
