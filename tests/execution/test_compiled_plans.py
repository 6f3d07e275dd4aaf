"""Compiled plans on a small schema: the language features they handle, compared with plain
Strawberry/graphql-core, and the path that ran."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import strawberry
from strawberry.permission import BasePermission

from schema.execution.compiled import CompiledExecutor


@dataclass
class Ctx:
    compiled_execution: bool = True
    execution_path: str = ""


class Deny(BasePermission):
    message = "No."

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Cat(Named):
    lives: int


@strawberry.type
class Dog(Named):
    good: bool


@strawberry.type
class Item:
    label: str
    note: str | None = None

    @strawberry.field
    async def twice(self, times: int = 2) -> str:
        return self.label * times

    @strawberry.field
    def must(self) -> str:
        return None  # type: ignore[return-value]  # a non-null field returning null

    @strawberry.field
    def boom(self) -> str | None:
        raise ValueError("boom")

    @strawberry.field(permission_classes=[Deny])
    def secret(self) -> str:
        return "s"


@strawberry.input
class Filter:
    prefix: str = ""


@strawberry.type
class Query:
    @strawberry.field
    def items(self, filter: Filter | None = None) -> list[Item]:
        items = [Item(label="a"), Item(label="b", note="n")]
        prefix = filter.prefix if filter else ""
        return [i for i in items if i.label.startswith(prefix)]

    @strawberry.field
    async def pets(self, info: strawberry.Info) -> list[Named]:
        assert isinstance(info.context, Ctx)
        return [Cat(name="Tom", lives=9), Dog(name="Rex", good=True)]

    @strawberry.field
    def greet(self, name: str) -> str:
        return f"hi {name}"

    @strawberry.field
    def echo(
        self, first_name: str | None = "dflt", count: int = 1, when: datetime | None = None
    ) -> str:
        return f"{first_name!r} {count} {when!r}"

    @strawberry.field
    def node_name(self, id: strawberry.relay.GlobalID) -> str:
        return f"{type(id).__name__} {id.type_name} {id.node_id}"

    @strawberry.field
    def maybe(self, value: strawberry.Maybe[str]) -> str:
        return repr(value)


COMPILED_SCHEMA = strawberry.Schema(
    Query, execution_context_class=CompiledExecutor, types=[Cat, Dog]
)
PLAIN_SCHEMA = strawberry.Schema(Query, types=[Cat, Dog])


async def both(query: str, variables: dict[str, Any] | None = None) -> tuple[Any, str]:
    context = Ctx()
    compiled = await COMPILED_SCHEMA.execute(
        query, variable_values=variables, context_value=context
    )
    plain = await PLAIN_SCHEMA.execute(query, variable_values=variables, context_value=Ctx(False))
    assert compiled.data == plain.data
    assert [e.formatted for e in compiled.errors or ()] == [e.formatted for e in plain.errors or ()]
    return compiled, context.execution_path


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ items { label note twice(times: 3) } }", None),
        ("query($t: Int!) { items { x: twice(times: $t) y: label } }", {"t": 1}),
        ('{ items(filter: {prefix: "b"}) { label } }', None),
        ("query($f: Filter) { items(filter: $f) { label } }", {"f": {"prefix": "a"}}),
        ("{ items { ...F } } fragment F on Item { label ... on Item { note } }", None),
        ("{ pets { __typename name ... on Cat { lives } ... on Dog { good } } }", None),
        ('{ greet(name: "Ada") items { __typename } }', None),
    ],
)
async def test_supported_documents_run_compiled(query, variables):
    result, path = await both(query, variables)
    assert path == "compiled"
    assert result.data and not result.errors


@pytest.mark.parametrize("skip", [True, False])
async def test_skip_and_include_follow_the_variables(skip):
    query = "query($s: Boolean!) { items { label @skip(if: $s) note @include(if: $s) } }"
    result, path = await both(query, {"s": skip})
    assert path == "compiled"
    assert ("label" in result.data["items"][0]) is not skip
    assert ("note" in result.data["items"][0]) is skip


@pytest.mark.parametrize(
    "query",
    [
        "{ items { label must } }",  # null in a non-null field: the parent turns null
        "{ items { label boom } }",  # a resolver raising: an error with its path
    ],
)
async def test_errors_are_reported_by_graphql_core(query):
    result, path = await both(query)
    assert path == "graphql-core"  # the plan ran, raised, and graphql-core answered
    assert result.errors and result.errors[0].path


async def test_permission_classes_and_introspection_run_on_graphql_core():
    for query in ("{ items { secret } }", "{ __schema { queryType { name } } }"):
        _, path = await both(query)
        assert path == "graphql-core"


async def test_the_setting_off_runs_graphql_core():
    context = Ctx(compiled_execution=False)
    result = await COMPILED_SCHEMA.execute("{ items { label } }", context_value=context)
    assert result.data == {"items": [{"label": "a"}, {"label": "b"}]}
    assert context.execution_path == "graphql-core"


async def test_getters_that_need_nothing_of_the_request_are_bound_once_with_the_plan():
    from schema.execution.compiled import plans_of

    query = "query($t: Int!) { items { label twice(times: 3) x: twice(times: $t) } pets { name } }"
    for times in (1, 2):  # the getter of `x` is bound again for each request
        context = Ctx()
        result = await COMPILED_SCHEMA.execute(
            query, variable_values={"t": times}, context_value=context
        )
        assert context.execution_path == "compiled"
        assert result.data["items"][0] == {"label": "a", "twice": "aaa", "x": "a" * times}
    plans = [
        plan
        for entry in plans_of(COMPILED_SCHEMA._schema).entries.values()
        for plan in entry.plans.values()
        if plan is not None and "x" in [f.key for f in plan.fields]
    ]
    assert plans  # one per parsed document (this schema has no parse cache)
    bound = {f.key: plans[-1].getters[f.slot] is not None for f in plans[-1].fields}
    # Attributes and resolvers with constant arguments only: bound once, with the plan;
    # a variable argument or a resolver taking the Info: bound for each request.
    assert bound == {
        "items": True, "label": True, "twice": True, "x": False, "pets": False, "name": True
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($n: String, $c: Int!) { echo(firstName: $n, count: $c) }", {"n": "Ada", "c": 2}),
        ("query($n: String) { echo(firstName: $n) }", {"n": None}),  # an explicit null
        ("query($n: String) { echo(firstName: $n) }", {}),  # omitted: the Python default
        ("query($w: DateTime) { echo(when: $w) }", {"w": "2026-01-02T03:04:05+00:00"}),
        ("query($i: ID!) { nodeName(id: $i) }", {"i": "SXRlbToxMg=="}),  # Item:12
        ("query($v: String) { maybe(value: $v) }", {"v": "x"}),
    ],
)
async def test_per_request_arguments_arrive_as_strawberry_converts_them(query, variables):
    result, path = await both(query, variables)
    assert path == "compiled"
    assert result.data and not result.errors


def test_only_arguments_strawberry_passes_through_are_renamed_instead_of_converted():
    from strawberry.types.base import get_object_definition

    from schema.execution.compiler import plain_arguments

    fields = {f.python_name: f for f in get_object_definition(Query, strict=True).fields}
    scalars, config = COMPILED_SCHEMA.schema_converter.scalar_registry, COMPILED_SCHEMA.config

    def plain(name: str) -> Any:
        return plain_arguments(fields[name], scalars, config)

    assert plain("echo") == (("firstName", "first_name"), ("count", "count"), ("when", "when"))
    assert plain("greet") == (("name", "name"),)
    assert plain("node_name") is None  # decoded into a GlobalID
    assert plain("maybe") is None  # wrapped in Some()
    assert plain("items") is None  # an input object, built by Strawberry
