"""``DirectExecution`` (the gateway schema's execution phase, executor built and awaited
directly) answers exactly as Strawberry's own ``Schema.execute`` does: the same data, errors,
extensions, hook calls and errors seen by the extensions, for results, resolver errors,
variables that cannot be coerced, an extension that answers instead of the executor, and
mutations; with incremental delivery on, Strawberry's path runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from schema.execution.compiled import CompiledExecutor
from schema.execution.lifecycle import DirectExecution


class Recorder(SchemaExtension):
    """Logs the phases, the errors the execution phase left for the extensions, and can
    answer in place of the executor (as the cost limit does)."""

    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.log = log

    def on_parse(self) -> Iterator[None]:
        self.log.append("parse")
        yield

    def on_validate(self) -> Iterator[None]:
        self.log.append("validate")
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        self.log.append("execute in")
        if "refuse" in (ec.query or ""):
            ec.result = GraphQLExecutionResult(data=None, errors=[GraphQLError("refused")])
        yield
        errors = [e.message for e in ec.pre_execution_errors or []]
        self.log.append(f"execute out {type(ec.result).__name__} {errors}")

    def get_results(self) -> dict[str, Any]:
        return {"phases": len(self.log)}


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    async def later(self, n: int) -> int:
        return n * 2

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("no")

    @strawberry.field
    def refuse(self) -> str:
        return "never resolved"


@strawberry.type
class Mutation:
    @strawberry.mutation
    def bump(self, by: int = 1) -> int:
        return by + 1


processed: list[list[str]] = []


class Recording:
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        processed.append([e.message for e in errors])


class Plain(Recording, strawberry.Schema):
    pass


class Direct(Recording, DirectExecution):
    pass


def schemas(log: list[str], **options: Any) -> tuple[strawberry.Schema, strawberry.Schema]:
    extensions: list[Any] = [lambda: Recorder(log)]
    return (
        Plain(Query, mutation=Mutation, extensions=extensions, **options),
        Direct(Query, mutation=Mutation, extensions=extensions, **options),
    )


CASES = [
    ("{ hello }", None),
    ("query Later($n: Int!) { later(n: $n) hello }", {"n": 21}),
    ("query Later($n: Int!) { later(n: $n) }", {"n": "twenty"}),  # cannot be coerced
    ("query Later($n: Int!) { later(n: $n) }", {}),  # missing
    ("{ hello broken }", None),  # a resolver error: partial data
    ("{ refuse }", None),  # an extension answers instead of the executor
    ("{ nope }", None),  # invalid: no execution
    ("mutation { bump(by: 2) }", None),
]


@pytest.mark.parametrize("executor", [None, CompiledExecutor])
@pytest.mark.parametrize(("query", "variables"), CASES)
async def test_same_answer_as_strawberry(query, variables, executor):
    log: list[str] = []
    plain, direct = schemas(log, execution_context_class=executor)
    answers = []
    for schema in (plain, direct):
        log.clear()
        processed.clear()
        result = await schema.execute(query, variable_values=variables)
        answers.append(
            (
                result.data,
                [e.formatted for e in result.errors or []],
                result.extensions,
                list(log),
                list(processed),
            )
        )
    assert answers[1] == answers[0]
    if "bump" in query:
        assert answers[0][0] == {"bump": 3}
    if "broken" in query:  # the case is what it claims to be
        assert answers[0][0] is None or answers[0][0].get("hello") is None
        assert answers[0][1][0]["message"] == "no"


async def test_incremental_delivery_keeps_strawberrys_path():
    """With ``@defer`` enabled, graphql-core's incremental execution runs (Strawberry's path):
    the same initial result from both schemas."""
    log: list[str] = []
    config = StrawberryConfig(enable_experimental_incremental_execution=True)
    plain, direct = schemas(log, config=config)
    query = "{ hello ... @defer { later(n: 2) } }"
    got = [await schema.execute(query) for schema in (plain, direct)]
    assert type(got[1]) is type(got[0])
    assert got[1].initial_result.formatted == got[0].initial_result.formatted  # type: ignore[union-attr]  # incremental results
    assert got[0].initial_result.formatted["hasNext"] is True  # type: ignore[union-attr]  # as above
