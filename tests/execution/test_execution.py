"""The fast leaf executor gives exactly graphql-core's results, errors included."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.execution.fast_leaf import FastLeafExecutor


@strawberry.enum
class Mood(Enum):
    HAPPY = "happy"


@strawberry.type
class Thing:
    name: str
    nickname: str | None
    mood: Mood
    count: int


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [
            Thing(name="a", nickname=None, mood=Mood.HAPPY, count=1),
            Thing(name=None, nickname="b", mood=Mood.HAPPY, count=2),  # type: ignore[arg-type]
            Thing(name="c", nickname="c", mood="nope", count="x"),  # type: ignore[arg-type]
        ]


QUERY = "{ things { name nickname mood count } }"


async def test_same_data_and_errors_as_the_default_executor():
    fast = strawberry.Schema(Query, execution_context_class=FastLeafExecutor)
    plain = strawberry.Schema(Query)
    fast_result = await fast.execute(QUERY)
    plain_result = await plain.execute(QUERY)
    assert fast_result.data == plain_result.data
    assert [e.formatted for e in fast_result.errors] == [e.formatted for e in plain_result.errors]
    assert fast_result.errors  # the null name and the bad enum/int are reported, not hidden
