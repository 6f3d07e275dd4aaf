"""``HookRunner`` runs the schema extensions' hooks exactly as Strawberry's runner does: the same
calls in the same order, the same results, and exceptions passed, suppressed or replaced the
same way."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import ExecutingContextManager, OperationContextManager
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from schema.execution.hooks import HookRunner, Phase


class Recorder(SchemaExtension):
    """Logs every hook's entry and exit, and what it saw pass through."""

    def __init__(self, log: list[str], name: str, *, swallow: bool = False) -> None:
        super().__init__()
        self.log, self.name, self.swallow = log, name, swallow

    def _phase(self, phase: str) -> Iterator[None]:
        self.log.append(f"{self.name} {phase} in")
        try:
            yield
        except Exception as exc:
            self.log.append(f"{self.name} {phase} saw {type(exc).__name__}")
            if not self.swallow:
                raise
        finally:
            self.log.append(f"{self.name} {phase} out")

    def on_operation(self) -> Iterator[None]:
        yield from self._phase("operation")

    def on_parse(self) -> Iterator[None]:
        if "boom" in (self.execution_context.query or ""):
            raise GraphQLError(f"{self.name} refused the document")
        yield from self._phase("parse")

    def on_validate(self) -> Iterator[None]:
        yield from self._phase("validate")

    async def on_execute(self) -> AsyncIterator[None]:
        self.log.append(f"{self.name} execute in")
        try:
            yield
        except Exception as exc:
            self.log.append(f"{self.name} execute saw {type(exc).__name__}")
            if not self.swallow:
                raise
        finally:
            self.log.append(f"{self.name} execute out")


class Counter(SchemaExtension):
    """A plain-function hook and a result for ``extensions``."""

    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.log = log

    def on_validate(self) -> None:  # type: ignore[override]  # a callable hook, as Strawberry allows
        self.log.append("counter validate")

    def get_results(self) -> dict[str, Any]:
        return {"counted": True}


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("no")


class LeanSchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return HookRunner(execution_context=execution_context, extensions=extensions)


def schemas(log: list[str]) -> tuple[strawberry.Schema, strawberry.Schema]:
    extensions: list[Any] = [
        lambda: Recorder(log, "outer"),
        lambda: Counter(log),
        lambda: Recorder(log, "inner"),
    ]
    return (
        strawberry.Schema(Query, extensions=extensions),
        LeanSchema(Query, extensions=extensions),
    )


@pytest.mark.parametrize(
    "query", ["{ hello }", "{ broken }", "{ boom: hello }", "{ nope }", "{ hello"]
)
async def test_same_calls_and_result_as_strawberry(query):
    log: list[str] = []
    strawberrys, ours = schemas(log)
    expected = await strawberrys.execute(query)
    expected_log = list(log)
    log.clear()
    got = await ours.execute(query)
    assert log == expected_log
    assert got.data == expected.data
    assert [e.formatted for e in got.errors or []] == [e.formatted for e in expected.errors or []]
    assert got.extensions == expected.extensions == {"counted": True}


def test_same_calls_synchronously():
    """An async hook cannot run in ``execute_sync``: the same refusal, after the same calls."""
    log: list[str] = []
    strawberrys, ours = schemas(log)
    expected = strawberrys.execute_sync("{ hello }")
    expected_log = list(log)
    log.clear()
    got = ours.execute_sync("{ hello }")
    assert log == expected_log
    assert got.data == expected.data
    assert len(got.errors or []) == len(expected.errors or []) == 1
    assert "failed to complete synchronously" in got.errors[0].message  # type: ignore[index]
    assert type(got.errors[0].original_error) is type(expected.errors[0].original_error)  # type: ignore[index]


class Thrower(SchemaExtension):
    def __init__(self, log: list[str], error: BaseException | None, when: str) -> None:
        super().__init__()
        self.log, self.error, self.when = log, error, when

    async def on_execute(self) -> AsyncIterator[None]:
        if self.error is not None and self.when == "enter":
            raise self.error
        try:
            yield
        except Exception as exc:
            self.log.append(f"thrower saw {type(exc).__name__}")
            raise KeyError("replaced") from exc
        if self.error is not None and self.when == "exit":
            raise self.error


@pytest.mark.parametrize("when", ["enter", "exit", "inside"])
@pytest.mark.parametrize("swallow", [False, True])
async def test_exceptions_pass_the_same_way(when, swallow):
    """Entered in order, left in reverse; an exception goes through every hook that is
    running and on afterwards, even past a hook that swallows it; one that raises another
    replaces it; a hook failing on entry ends the phase there."""

    async def run(manager_of: Any) -> tuple[list[str], str]:
        log: list[str] = []
        outer = Recorder(log, "outer", swallow=swallow)
        thrower = Thrower(log, RuntimeError("hook failed"), when)
        inner = Recorder(log, "inner")
        manager = manager_of([outer, thrower, inner])
        try:
            async with manager:
                log.append("body")
                if when == "inside":
                    raise LookupError("body failed")
        except BaseException as exc:  # compared below
            return log, f"{type(exc).__name__}: {exc}"
        return log, "no exception"

    expected = await run(ExecutingContextManager)
    got = await run(lambda extensions: Phase(extensions, "on_execute"))
    assert got == expected


@pytest.mark.parametrize("fails", [False, True])
def test_synchronous_phase_same_as_strawberry(fails):
    """``with`` (execute_sync, subscriptions' setup): synchronous hooks, the same calls."""

    def run(manager_of: Any) -> tuple[list[str], str]:
        log: list[str] = []
        manager = manager_of([Recorder(log, "outer", swallow=True), Recorder(log, "inner")])
        try:
            with manager:
                log.append("body")
                if fails:
                    raise LookupError("body failed")
        except LookupError as exc:
            return log, str(exc)
        return log, "no exception"

    expected = run(OperationContextManager)
    got = run(lambda extensions: Phase(extensions, "on_operation"))
    assert got == expected
    assert got[0][:3] == ["outer operation in", "inner operation in", "body"]


class AsyncOperation(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]  # async hook
        yield


def test_synchronous_phase_refuses_an_async_hook_where_strawberry_does():
    """The synchronous hooks before the async one are entered first, as in Strawberry (and
    closed when the phase is dropped, never resumed)."""

    def run(manager_of: Any) -> tuple[list[str], bool | str]:
        log: list[str] = []
        manager = manager_of([Recorder(log, "outer"), AsyncOperation(), Recorder(log, "inner")])
        try:
            with manager:
                log.append("body")
        except RuntimeError as exc:
            return log, str(exc).endswith("failed to complete synchronously.")
        return log, "no exception"

    expected = run(OperationContextManager)
    got = run(lambda extensions: Phase(extensions, "on_operation"))
    assert got == expected == (["outer operation in", "outer operation out"], True)
