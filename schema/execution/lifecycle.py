"""One operation's lifecycle, as Strawberry's ``Schema.execute`` runs it, with the executor
built and awaited directly.

Strawberry runs an operation in phases, each inside its extensions' hook: the operation hook
around everything; parsing; the operation type check; validation; execution. For execution it
calls graphql-core's ``execute``, which checks the schema for incremental-delivery directives,
calls ``experimental_execute_incrementally``, which builds the executor (coercing the
variables) and runs it, and wraps the awaitable it gets in a coroutine that checks the result
is not incremental; Strawberry awaits that through ``await_maybe``. Every uncached request
paid for those four layers (and the resumption of each, every time the plan awaited a
database batch).

``DirectExecution._execute_operation`` here is Strawberry's ``_execute_operation`` for the non-incremental case:
the same ``on_execute`` hooks, the same ``ExecutionContext.result`` short-circuit (an extension
that answered, e.g. a cost limit), the same errors recorded for the extensions and passed to
``process_errors``. Between them, the executor (``CompiledExecutor``) is built with the same
arguments graphql-core's ``execute`` gives it, and its result awaited directly. With
incremental execution enabled (``@defer``/``@stream``) Strawberry's own path runs.
``tests/execution/test_lifecycle.py`` holds the two to the same results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import ExperimentalIncrementalExecutionResults, GraphQLError
from graphql import execute as graphql_execute
from graphql.execution import MiddlewareManager
from graphql.execution.execute import UNEXPECTED_MULTIPLE_PAYLOADS
from graphql.execution.incremental import IncrementalExecutor
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext


class DirectExecution(strawberry.Schema):
    """A schema whose execution phase builds and awaits its executor directly."""

    async def _execute_operation(
        self,
        execution_context: ExecutionContext,
        extensions_runner: SchemaExtensionsRunner,
        middleware_manager: MiddlewareManager,
        execute_function: Callable[..., Any],
        custom_context_kwargs: dict[str, Any],
    ) -> Any:
        if execute_function is not graphql_execute:  # incremental delivery: Strawberry's
            return await super()._execute_operation(
                execution_context,
                extensions_runner,
                middleware_manager,
                execute_function,
                custom_context_kwargs,
            )
        return await _execute_operation(
            self, execution_context, extensions_runner, middleware_manager, custom_context_kwargs
        )


async def _execute_operation(
    schema: strawberry.Schema,
    execution_context: ExecutionContext,
    extensions_runner: SchemaExtensionsRunner,
    middleware_manager: MiddlewareManager,
    custom_context_kwargs: dict[str, Any],
) -> Any:
    """The execution phase of one validated operation (its ``on_execute`` hooks included)."""
    ec = execution_context
    async with extensions_runner.executing():
        if ec.result:
            result = ec.result
        else:
            result = await _run(schema, ec, middleware_manager, custom_context_kwargs)
            ec.result = result
        if isinstance(result, GraphQLExecutionResult) and result.errors:
            # As Strawberry: set for the extensions, and processed (logged) before an
            # extension may change them.
            ec.pre_execution_errors = result.errors
            schema._process_errors(result.errors, ec)
    return result


async def _run(
    schema: strawberry.Schema,
    ec: ExecutionContext,
    middleware_manager: MiddlewareManager,
    custom_context_kwargs: dict[str, Any],
) -> GraphQLExecutionResult:
    assert ec.graphql_document is not None
    # graphql-core's default when Strawberry is given no executor class
    executor_class = schema.execution_context_class or IncrementalExecutor
    executor = executor_class.build(
        schema._schema,
        ec.graphql_document,
        ec.root_value,
        ec.context,
        ec.variables,
        ec.operation_name,
        middleware=middleware_manager,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # as Strawberry passes it
        **custom_context_kwargs,
    )
    if isinstance(executor, list):  # the variables could not be coerced
        return GraphQLExecutionResult(None, errors=executor)
    result: Any = executor.execute_operation()
    if optimized_is_awaitable(result):
        result = await result
    if isinstance(result, ExperimentalIncrementalExecutionResults):
        raise GraphQLError(UNEXPECTED_MULTIPLE_PAYLOADS)
    return result  # type: ignore[no-any-return]  # graphql-core's result
