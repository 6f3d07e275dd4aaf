"""/metrics through the real app: the series exist and move when requests are made."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request

from gateway.app import create_app
from gateway.config.settings import Settings
from gateway.http.request_context import (
    note_cache,
    note_cache_evictions,
    note_persisted_query_miss,
    note_rate_limited,
)
from tests.live_server import lifespan
from tests.ops_support import samples, total
from tests.support import add_article, add_author, add_term, gql, ok


@pytest.fixture
def settings(settings):
    """The response cache off (issue 5): repeated identical requests must reach execution here,
    where a cache hit would rightly skip it."""
    return settings.model_copy(update={"response_cache": False})


SERIES = [
    "gateway_http_requests_total",
    "gateway_http_request_duration_seconds",
    "gateway_graphql_operations_total",
    "gateway_graphql_phase_duration_seconds",
    "gateway_graphql_resolver_errors_total",
    "gateway_db_statements_per_request",
    "gateway_db_time_per_request_seconds",
    "gateway_db_pool_connections",
    "gateway_response_cache_hits_total",
    "gateway_response_cache_misses_total",
    "gateway_response_cache_evictions_total",
    "gateway_dataloader_batch_size",
    "gateway_rate_limited_requests_total",
    "gateway_persisted_query_misses_total",
    "gateway_deprecated_field_usage_total",
]
LIST = "query Front { articles(first: 10) { nodes { title authors { name } tags { name } } } }"


@pytest.fixture
async def served(settings: Settings) -> Any:
    """The Starlette app itself (for its state) and a client for it."""
    application = create_app(settings)
    async with lifespan(application) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield application, c


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_every_documented_series_is_exposed(client: httpx.AsyncClient) -> None:
    text = await scrape(client)
    for name in SERIES:
        assert f"# TYPE {name} " in text, name
    assert "_created" not in text


async def test_requests_and_operations_are_counted(client: httpx.AsyncClient, db: Any) -> None:
    author = await add_author(db, "Grace Hopper")
    tag = await add_term(db, "tag", "Compilers")
    for n in range(4):
        await add_article(db, f"Story {n}", authors=[author], tags=[tag])
    before = await scrape(client)

    for _ in range(3):
        ok(await gql(client, LIST))
    bad = await gql(client, "query Huge { articles(first: 500) { totalCount } }")
    assert bad.codes == ["BAD_USER_INPUT"]
    invalid = await gql(client, "query Typo { articles { nope } }")
    assert invalid.codes == ["GRAPHQL_VALIDATION_FAILED"]
    await client.get("/no-such-page")

    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert moved("gateway_http_requests_total", route="/graphql", status="200") == 5
    assert moved("gateway_http_requests_total", route="unmatched", status="404") == 1
    assert moved("gateway_http_request_duration_seconds_count", route="/graphql") == 5
    ops = "gateway_graphql_operations_total"
    assert moved(ops, operation="Front", type="query", outcome="success") == 3
    assert moved(ops, operation="Huge", type="query", outcome="error") == 1
    assert moved(ops, operation="Typo", type="query", outcome="invalid") == 1
    assert moved("gateway_graphql_resolver_errors_total", code="BAD_USER_INPUT") == 1
    assert moved("gateway_graphql_phase_duration_seconds_count", phase="parse") == 5
    assert moved("gateway_graphql_phase_duration_seconds_count", phase="execute") == 4
    # 3 lists x (articles + one batch for authors and tags) + the totalCount of "Huge" (none:
    # it fails before SQL) -> per-request histogram saw 5 requests and 6 statements.
    assert moved("gateway_db_statements_per_request_count") == 5
    assert moved("gateway_db_statements_per_request_sum") == 6
    assert moved("gateway_db_time_per_request_seconds_sum") > 0
    batch = "gateway_dataloader_batch_size"
    # Authors and tags of a list come in one batch of the links loader (its slim one: the
    # query reads only their names, schema/content/slim.py).
    assert moved(f"{batch}_count", loader="slim_links_by_article_id") == 3
    assert moved(f"{batch}_sum", loader="slim_links_by_article_id") == 12  # 4 keys per batch


# The event delivery worker would hold connections of its own now and then.
@pytest.mark.parametrize("settings_overrides", [{"events_worker": False}])
async def test_pool_gauges_follow_connections(served: tuple[Starlette, Any]) -> None:
    app, client = served
    gauge = "gateway_db_pool_connections"
    async with app.state.db.engine.connect():
        held = await scrape(client)
        assert total(held, gauge, state="in_use") == 1
    released = await scrape(client)
    assert total(released, gauge, state="in_use") == 0
    assert total(released, gauge, state="idle") >= 1


async def test_counters_for_other_helpers_move(served: tuple[Starlette, Any]) -> None:
    app, client = served
    request = Request({"type": "http", "app": app, "headers": [], "method": "GET", "path": "/"})
    before = await scrape(client)
    note_cache(request, "hit")
    note_cache(request, "hit")
    note_cache(request, "miss")
    note_cache_evictions(app, 3)
    note_rate_limited(request)
    note_persisted_query_miss(request)
    after = await scrape(client)
    for name, expected in [
        ("gateway_response_cache_hits_total", 2),
        ("gateway_response_cache_misses_total", 1),
        ("gateway_response_cache_evictions_total", 3),
        ("gateway_rate_limited_requests_total", 1),
        ("gateway_persisted_query_misses_total", 1),
    ]:
        assert total(after, name) - total(before, name) == expected, name


@pytest.mark.parametrize("settings_overrides", [{"metrics_max_operation_names": 2}])
async def test_client_chosen_operation_names_are_capped(client: httpx.AsyncClient) -> None:
    for name in ("A", "B", "C", "D", "A"):
        ok(await gql(client, f"query {name} {{ articles {{ totalCount }} }}"))
    text = await scrape(client)
    ops = "gateway_graphql_operations_total"
    assert total(text, ops, operation="A") == 2
    assert total(text, ops, operation="B") == 1
    assert total(text, ops, operation="other") == 2
    assert total(text, ops, operation="C") == 0


@pytest.mark.parametrize(
    "settings_overrides", [{"metrics_enabled": False}, {"metrics_bind": "127.0.0.1:9109"}]
)
async def test_metrics_route_is_off_when_disabled_or_elsewhere(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404
    ok(await gql(client, "{ articles { totalCount } }"))  # requests still work


async def test_server_timing_has_every_phase(client: httpx.AsyncClient) -> None:
    result = await gql(client, "{ articles { totalCount } }")
    timing = result.response.headers["server-timing"]
    names = [part.strip().split(";")[0] for part in timing.split(",")]
    assert names == ["parse", "validate", "execute", "cache", "db", "total"]
    assert 'cache;dur=0.00;desc="none"' in timing

    broken = await gql(client, "{ articles {")
    names = [p.strip().split(";")[0] for p in broken.response.headers["server-timing"].split(",")]
    assert names == ["parse", "cache", "db", "total"]  # nothing validated or executed


def test_samples_parser_reads_labels() -> None:
    text = 'gateway_x_total{a="1"} 2.0\n'
    assert samples(text) == {("gateway_x_total", frozenset({("a", "1")})): 2.0}
