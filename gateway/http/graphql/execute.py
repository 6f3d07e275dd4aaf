"""The execute step: one operation against the schema, with the request's context.

``execute`` is the single place an HTTP operation runs (parse and validation are cached by the
schema's extensions); ``run_operation`` adds the execution timeout and turns the operations
Strawberry refuses (wrong type for the method, no operation to pick) into HTTP outcomes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.http.faults import TIMEOUT
from gateway.http.graphql.errors import error_payload
from gateway.http.request_context import record_of
from gateway.http.rules import GRAPHQL_RESPONSE
from schema.context import Context
from schema.execution.entry import execute as run_compiled_or_core

log = logging.getLogger("gateway.graphql")

QUERIES = frozenset({OperationType.QUERY})
QUERIES_AND_MUTATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})


@dataclass(frozen=True)
class Operation:
    """What to run: the document's text, its variables and operation name, and the operation
    types the HTTP method allows (GET: queries only)."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    allowed: frozenset[OperationType]

    @staticmethod
    def allowed_for(method: str) -> frozenset[OperationType]:
        return QUERIES if method == "GET" else QUERIES_AND_MUTATIONS


@dataclass(frozen=True)
class Outcome:
    """One operation's answer: the GraphQL response, its HTTP status and extra headers."""

    payload: dict[str, Any]
    status: int = 200
    headers: dict[str, str] | None = None


async def execute(
    schema: strawberry.Schema, operation: Operation, context: Context
) -> ExecutionResult:
    """Run one operation and return its result (errors included, never raised): on a compiled
    plan when the context allows it (queries), else on graphql-core; the request's record
    notes which path ran (Server-Timing)."""
    result, path = await run_compiled_or_core(
        schema,
        operation.query,
        context=context,
        variables=operation.variables,
        operation_name=operation.operation_name,
        allowed=operation.allowed,
        compiled=context.compiled_execution,
    )
    record = record_of(context.request)
    if record is not None and "execute" in record.phases:
        record.execution = path
    return result


def _unresolvable(exc: CannotGetOperationTypeError, media: str) -> Outcome:
    message = (
        f"The document has no operation named {exc.operation_name!r}."
        if exc.operation_name
        else "The document has no single operation to run: pass `operationName`."
    )
    status = 400 if media == GRAPHQL_RESPONSE else 200
    return Outcome(error_payload(message, "OPERATION_RESOLUTION_FAILURE"), status)


def _wrong_type(exc: InvalidOperationTypeError) -> Outcome:
    if exc.operation_type is OperationType.SUBSCRIPTION:
        message = "Subscriptions run over WebSocket (graphql-transport-ws) at /graphql."
        return Outcome(error_payload(message, "BAD_REQUEST"), 400)
    message = "Only queries can be sent with GET; use POST for mutations."
    return Outcome(error_payload(message, "METHOD_NOT_ALLOWED"), 405, {"Allow": "POST"})


async def run_operation(
    schema: strawberry.Schema,
    operation: Operation,
    context: Context,
    *,
    time_limit: float,
    media: str,
    request_id: str,
) -> ExecutionResult | Outcome:
    """``execute`` within the timeout; an operation that cannot run is answered here. However
    it ends, its dataloader batches end with it (``RequestLoaders.close``)."""
    try:
        async with asyncio.timeout(time_limit):
            return await execute(schema, operation, context)
    except TimeoutError:
        log.warning("request %s stopped after %s s", request_id, time_limit)
        message = f"The request took longer than {time_limit:g} s and was stopped."
        return Outcome(error_payload(message, TIMEOUT, requestId=request_id), 504)
    except InvalidOperationTypeError as exc:
        return _wrong_type(exc)
    except MissingQueryError:
        return Outcome(error_payload("Missing `query`.", "BAD_REQUEST"), 400)
    except CannotGetOperationTypeError as exc:
        return _unresolvable(exc, media)
    finally:
        await context.loaders.close()
