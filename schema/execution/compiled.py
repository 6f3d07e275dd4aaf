"""The executor that runs queries on compiled plans and everything else on graphql-core.

It plugs in where graphql-core runs the operation (``execute_operation``), after Strawberry's
extensions parsed, validated and checked the document (limits, cost) and graphql-core coerced
the variables once: both paths share all of that, and differ only in how fields are resolved.

Plans are cached per operation node (the parsed document is itself cached, so the same query
text finds the same node) and per values of the variables that ``@skip``/``@include`` read. An
operation the compiler cannot plan is remembered as such and runs on graphql-core.

A plan that raises (a resolver error, a null in a non-null field, ...) is abandoned and the
operation re-runs on graphql-core, which produces the spec's errors, paths and partial data.
Reads are free of side effects, so running them twice changes nothing; the request's
dataloaders keep what the first run loaded (a failed batch is not cached).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

from graphql import ExecutionResult, GraphQLSchema, OperationDefinitionNode, OperationType
from graphql.execution.executor import CollectedErrors

from schema.execution.compiler import compile_operation, directive_variables
from schema.execution.fast_leaf import FastLeafExecutor
from schema.execution.plan import OperationPlan, Unsupported
from schema.execution.runner import Run

log = logging.getLogger("gateway.execution")

COMPILED = "compiled"
GRAPHQL_CORE = "graphql-core"
PLAN_CACHE_SIZE = 1024


class _Entry:
    """The plans of one operation, by the values of its @skip/@include variables."""

    __slots__ = ("operation", "plans", "variables")

    def __init__(self, operation: OperationDefinitionNode, variables: tuple[str, ...]) -> None:
        self.operation = operation  # keeps the node (and so its id) alive with the entry
        self.variables = variables
        self.plans: dict[tuple[Any, ...], OperationPlan | None] = {}


class PlanCache:
    """LRU of compiled plans for one schema, keyed by operation node."""

    def __init__(self, maxsize: int = PLAN_CACHE_SIZE) -> None:
        self.maxsize = maxsize
        self.entries: OrderedDict[int, _Entry] = OrderedDict()
        self.lock = threading.Lock()

    def plan(self, executor: FastLeafExecutor) -> OperationPlan | None:
        operation = executor.operation
        with self.lock:
            entry = self.entries.get(id(operation))
            if entry is not None and entry.operation is operation:
                self.entries.move_to_end(id(operation))
            else:
                variables = directive_variables(operation, executor.fragments)
                entry = self.entries[id(operation)] = _Entry(operation, variables)
                if len(self.entries) > self.maxsize:
                    self.entries.popitem(last=False)
        coerced = executor.variable_values.coerced
        key = tuple(_hashable(coerced.get(name)) for name in entry.variables)
        if key in entry.plans:
            return entry.plans[key]
        try:
            plan: OperationPlan | None = compile_operation(executor)
        except Unsupported as exc:
            log.debug("not compiled (%s): graphql-core runs it", exc)
            plan = None
        entry.plans[key] = plan
        return plan


_caches: WeakKeyDictionary[GraphQLSchema, PlanCache] = WeakKeyDictionary()


def plans_of(schema: GraphQLSchema) -> PlanCache:
    cache = _caches.get(schema)
    if cache is None:
        cache = _caches[schema] = PlanCache()
    return cache


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (bool, type(None))) else repr(value)


def _note(context: Any, path: str) -> None:
    if hasattr(context, "execution_path"):
        context.execution_path = path


class CompiledExecutor(FastLeafExecutor):
    """graphql-core's executor, with queries run on compiled plans when the context asks."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        context = self.context_value
        if (
            serially is None
            and getattr(context, "compiled_execution", False)
            and self.operation.operation is OperationType.QUERY
            and (self.middleware_manager is None or not self.middleware_manager.middlewares)
        ):
            plan = plans_of(self.schema).plan(self)
            if plan is not None:
                return self._run_plan(plan)
        _note(context, GRAPHQL_CORE)
        return super().execute_operation(serially)

    async def _run_plan(self, plan: OperationPlan) -> ExecutionResult:
        try:
            data = await Run(plan, self).execute()
        except Exception as exc:
            log.debug("compiled plan raised %r: graphql-core re-runs the operation", exc)
            _note(self.context_value, GRAPHQL_CORE)
            self.collected_errors = CollectedErrors()
            result = super().execute_operation()
            if self.is_awaitable(result):
                result = await result
        else:
            _note(self.context_value, COMPILED)
            result = self.build_response(data)
        if isinstance(result, ExecutionResult):
            # graphql-core's executor holds helpers bound to itself (a reference cycle, and
            # through it the request's context and loaders): cut once the answer is complete,
            # so all of it is freed by reference counting rather than by the garbage collector.
            self.async_helpers = None  # type: ignore[assignment]  # no resolver runs any more
        return result  # type: ignore[return-value]  # graphql-core's result type, same shape
