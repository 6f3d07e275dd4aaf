"""OpenTelemetry spans through the real app, collected by the SDK's in-memory exporter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text

from gateway.app import create_app
from gateway.config.settings import Settings
from gateway.ops.logs import drain_logs
from gateway.ops.tracing import TracingUnavailable, provider_from_env
from tests.live_server import lifespan
from tests.support import add_article, add_author, add_term, gql, ok

REMOTE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
REMOTE_PARENT = "00f067aa0ba902b7"
QUERY = "query Front { articles(first: 5) { nodes { title authors { name } tags { name } } } }"


@pytest.fixture
async def traced_app(settings: Settings) -> AsyncIterator[tuple[Any, httpx.AsyncClient, Any]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    application = create_app(settings, tracer_provider=provider)
    async with lifespan(application) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield application, client, exporter
    provider.shutdown()


@pytest.fixture
def traced(
    traced_app: tuple[Any, httpx.AsyncClient, InMemorySpanExporter],
) -> tuple[httpx.AsyncClient, InMemorySpanExporter]:
    return traced_app[1], traced_app[2]


def by_name(spans: tuple[ReadableSpan, ...], prefix: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name.startswith(prefix)]


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


async def test_spans_nest_request_phases_batches_and_sql(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter], db: Any
) -> None:
    client, exporter = traced
    author = await add_author(db, "Grace Hopper")
    tag = await add_term(db, "tag", "Compilers")
    for n in range(3):
        await add_article(db, f"Story {n}", authors=[author], tags=[tag])
    exporter.clear()

    traceparent = f"00-{REMOTE_TRACE}-{REMOTE_PARENT}-01"
    ok(await gql(client, QUERY, headers={"traceparent": traceparent}))
    spans = exporter.get_finished_spans()

    [http] = by_name(spans, "POST")
    assert http.name == "POST /graphql"
    assert http.attributes["http.response.status_code"] == 200
    assert http.context.trace_id == int(REMOTE_TRACE, 16)  # continues the caller's trace
    assert parent_id(http) == int(REMOTE_PARENT, 16)

    phases = {name: by_name(spans, f"graphql.{name}") for name in ("parse", "validate", "execute")}
    for name, found in phases.items():
        assert len(found) == 1, name
        assert parent_id(found[0]) == http.context.span_id, name
    execute = phases["execute"][0]
    assert execute.attributes["graphql.operation.name"] == "Front"

    batches = {s.name: s for s in by_name(spans, "dataloader ")}
    # Authors and tags of the page: one batch, one statement (of the slim links loader: the
    # query reads only their names, schema/content/slim.py).
    assert set(batches) == {"dataloader slim_links_by_article_id"}
    for batch in batches.values():
        assert parent_id(batch) == execute.context.span_id
        assert batch.attributes["dataloader.batch_size"] == 3

    sql = by_name(spans, "SELECT")
    assert len(sql) == 2  # the list, then one per batch
    parents = sorted(parent_id(s) or 0 for s in sql)
    expected = sorted([execute.context.span_id] + [b.context.span_id for b in batches.values()])
    assert parents == expected
    for statement in sql:
        assert statement.attributes["db.system.name"] in ("sqlite", "postgresql")
        assert statement.attributes["db.query.text"].lstrip().upper().startswith("SELECT")
    assert {s.context.trace_id for s in spans} == {int(REMOTE_TRACE, 16)}


async def test_sql_outside_requests_makes_no_orphan_spans(
    traced_app: tuple[Any, httpx.AsyncClient, InMemorySpanExporter],
) -> None:
    app, client, exporter = traced_app
    ok(await gql(client, "{ articles { totalCount } }"))
    assert by_name(exporter.get_finished_spans(), "SELECT")
    exporter.clear()
    # Like the event worker's polls: SQL with no request around it.
    await app.state.db.scalar(text("SELECT 1"))
    assert by_name(exporter.get_finished_spans(), "SELECT") == []


async def test_failed_parse_closes_its_span(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter],
) -> None:
    client, exporter = traced
    broken = await gql(client, "{ articles {")
    assert broken.codes == ["GRAPHQL_PARSE_FAILED"]
    spans = exporter.get_finished_spans()
    [http] = by_name(spans, "POST")
    [parse] = by_name(spans, "graphql.parse")
    assert parent_id(parse) == http.context.span_id
    assert not parse.status.is_ok
    assert by_name(spans, "graphql.execute") == []

    # The next request starts a fresh trace: nothing was left attached to the context.
    exporter.clear()
    ok(await gql(client, "{ articles { totalCount } }"))
    [http2] = by_name(exporter.get_finished_spans(), "POST")
    assert http2.parent is None
    assert http2.context.trace_id != http.context.trace_id


async def test_access_log_carries_the_trace_id(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter], capsys: pytest.CaptureFixture[str]
) -> None:
    client, exporter = traced
    capsys.readouterr()
    await client.get("/healthz")
    [http] = by_name(exporter.get_finished_spans(), "GET")
    drain_logs()
    assert f"{http.context.trace_id:032x}" in capsys.readouterr().err


def test_provider_follows_otel_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "news-gateway")
    provider = provider_from_env()
    assert provider is not None
    assert provider.resource.attributes["service.name"] == "news-gateway"
    exporters = [p.span_exporter for p in provider._active_span_processor._span_processors]
    assert [type(e) for e in exporters] == [ConsoleSpanExporter]
    provider.shutdown()

    monkeypatch.delenv("OTEL_SERVICE_NAME")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    quiet = provider_from_env()
    assert quiet is not None
    assert quiet.resource.attributes["service.name"] == "content-gateway"
    quiet.shutdown()

    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "zipkin_json")
    with pytest.raises(TracingUnavailable, match="zipkin_json"):
        provider_from_env()

    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert provider_from_env() is None
