"""The one place a GraphQL operation is executed for the HTTP endpoint: compiled plan or
graphql-core.

``compiled`` chooses whether queries may run on compiled plans (``GATEWAY_COMPILED_EXECUTION``);
the returned path says which one ran (``"compiled"`` or ``"graphql-core"``), for Server-Timing.
Parsing, validation, limits and cost run the same way on both paths (Strawberry's extensions).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from schema.context import Context
from schema.execution.compiled import GRAPHQL_CORE


async def execute(
    schema: strawberry.Schema,
    query: str | None,
    *,
    context: Context,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    allowed: Iterable[OperationType],
    compiled: bool,
) -> tuple[ExecutionResult, str]:
    """(the result, the path that produced it)."""
    context.compiled_execution = compiled
    context.execution_path = GRAPHQL_CORE
    result = await schema.execute(
        query,
        variable_values=variables,
        context_value=context,
        operation_name=operation_name,
        allowed_operation_types=allowed,
    )
    return result, context.execution_path
