"""Deprecated-field usage by client. The content schema has nothing deprecated yet, so a small
schema with each kind of deprecated member runs through the gateway's own extension."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

import strawberry
from graphql import parse
from prometheus_client import generate_latest

from gateway.ops.graphql_observer import DeprecatedUsage, OperationObserver, find_deprecated
from gateway.ops.metrics import Metrics
from gateway.ops.tracing import Tracing
from resolvers.access import ANONYMOUS, Viewer
from tests.ops_support import total


@strawberry.enum
class Size(Enum):
    SMALL = "small"
    TINY = strawberry.enum_value("tiny", deprecation_reason="Use SMALL.")


@strawberry.input
class Filter:
    size: Size | None = None
    legacy: str | None = strawberry.field(default=None, deprecation_reason="Use size.")


@strawberry.type
class Query:
    @strawberry.field
    def title(self) -> str:
        return "t"

    @strawberry.field(deprecation_reason="Use title.")
    def headline(self) -> str:
        return "h"

    @strawberry.field
    def items(
        self,
        filter: Filter | None = None,
        limit: Annotated[int | None, strawberry.argument(deprecation_reason="Use first.")] = None,
        first: int | None = None,
    ) -> list[str]:
        return []


@dataclass
class FakeContext:
    """What the extension reads from the gateway's Context: the viewer (no request here)."""

    viewer: Viewer
    request: Any = None


def build(metrics: Metrics) -> strawberry.Schema:
    usage = DeprecatedUsage()
    return strawberry.Schema(
        query=Query,
        extensions=[
            lambda: OperationObserver(metrics=metrics, tracing=Tracing(), deprecated=usage)
        ],
    )


def test_every_kind_of_deprecated_member_is_found() -> None:
    schema = strawberry.Schema(query=Query)._schema
    document = parse('{ title headline items(limit: 2, filter: {legacy: "x", size: TINY}) }')
    assert find_deprecated(schema, document) == (
        "Query.headline",
        "Query.items(limit:)",
        "Filter.legacy",
        "Size.TINY",
    )
    assert find_deprecated(schema, parse("{ title items(first: 2) }")) == ()


async def test_usage_is_counted_per_client() -> None:
    metrics = Metrics()
    schema = build(metrics)
    app = FakeContext(viewer=Viewer(role="editor", name="token:mobile-app"))
    anonymous = FakeContext(viewer=ANONYMOUS)
    users = [FakeContext(viewer=Viewer(role="editor", name=f"jwt:user-{n}")) for n in range(3)]

    for context in (app, app, anonymous, *users):
        result = await schema.execute("{ headline title }", context_value=context)
        assert result.errors is None
    result = await schema.execute("{ title }", context_value=app)
    assert result.errors is None
    invalid = await schema.execute("{ headline nope }", context_value=app)
    assert invalid.errors  # not valid: not counted as usage

    text = generate_latest(metrics.registry).decode()
    usage = "gateway_deprecated_field_usage_total"
    assert total(text, usage, field="Query.headline", client="token:mobile-app") == 2
    assert total(text, usage, field="Query.headline", client="anonymous") == 1
    assert total(text, usage, field="Query.headline", client="jwt") == 3  # one series, not 3
    assert total(text, usage) == 6
