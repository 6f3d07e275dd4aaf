"""A Strawberry extension that observes each GraphQL operation: phase timings (for Server-Timing
and metrics), spans, the operation's name/type/outcome, resolver errors, dataloader batch sizes
and the use of deprecated schema members, by client.

It must be the first extension in the list so its parse/validate hooks wrap the document caches.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLSchema, validate
from graphql.type import get_named_type, is_input_object_type
from graphql.validation import ValidationRule
from strawberry.extensions import SchemaExtension

from gateway.http.request_context import RequestRecord, record_of
from gateway.ops.metrics import Metrics
from gateway.ops.tracing import Tracing
from resolvers.content.loaders import RequestLoader
from resolvers.errors import GatewayError


def find_deprecated(schema: GraphQLSchema, document: DocumentNode) -> tuple[str, ...]:
    """Deprecated fields, arguments, input fields and enum values the document uses."""
    found: list[str] = []
    fields: list[str] = []

    class Collect(ValidationRule):
        def enter_field(self, node: Any, *_: Any) -> None:
            fields.append(node.name.value)
            definition = self.context.get_field_def()
            if definition is not None and definition.deprecation_reason is not None:
                found.append(f"{self.context.get_parent_type()}.{node.name.value}")

        def leave_field(self, *_: Any) -> None:
            fields.pop()

        def enter_argument(self, node: Any, *_: Any) -> None:
            argument = self.context.get_argument()
            if argument is None or argument.deprecation_reason is None:
                return
            directive = self.context.get_directive()
            if directive is not None:
                found.append(f"@{directive.name}({node.name.value}:)")
            else:
                found.append(f"{self.context.get_parent_type()}.{fields[-1]}({node.name.value}:)")

        def enter_object_field(self, node: Any, *_: Any) -> None:
            parent = get_named_type(self.context.get_parent_input_type())
            if is_input_object_type(parent):
                definition = parent.fields.get(node.name.value)
                if definition is not None and definition.deprecation_reason is not None:
                    found.append(f"{parent.name}.{node.name.value}")

        def enter_enum_value(self, node: Any, *_: Any) -> None:
            value = self.context.get_enum_value()
            if value is not None and value.deprecation_reason is not None:
                enum = get_named_type(self.context.get_input_type())
                found.append(f"{enum.name}.{node.value}")  # type: ignore[union-attr]  # an enum

    validate(schema, document, [Collect])
    return tuple(dict.fromkeys(found))


class DeprecatedUsage:
    """``find_deprecated`` cached by query text: the same document costs one walk per process."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = max(maxsize, 1)
        self._cache: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    def of(self, schema: GraphQLSchema, query: str, document: DocumentNode) -> tuple[str, ...]:
        hit = self._cache.get(query)
        if hit is not None:
            self._cache.move_to_end(query)
            return hit
        found = find_deprecated(schema, document)
        self._cache[query] = found
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return found


def instrument_loaders(loaders: Any, metrics: Metrics | None, tracing: Tracing) -> None:
    """Batch sizes (histogram, by loader name: its ``RequestLoaders`` attribute) and, with
    tracing, one span per batch for a request's ``RequestLoaders``. The request's scope
    reports each batch as it starts (``on_batch``); only tracing wraps each loader's batch
    function, in its span."""
    if metrics is not None:
        loaders.scope.on_batch = metrics.observe_batch
    if not tracing.enabled:
        return

    def observe(loader: Any) -> None:
        if isinstance(loader, RequestLoader) and not getattr(
            loader.batch_load_fn, "observed", False
        ):
            loader.batch_load_fn = _spanned_batch(loader.name, loader.batch_load_fn, tracing)

    for loader in loaders.built().values():
        observe(loader)
    loaders.observe = observe  # the loaders built later (RequestLoaders builds on first use)


def _spanned_batch(name: str, load: Any, tracing: Tracing) -> Any:
    async def batch(keys: Any) -> Any:
        with tracing.span(
            f"dataloader {name}", **{"dataloader.name": name, "dataloader.batch_size": len(keys)}
        ):
            return await load(keys)

    batch.observed = True  # type: ignore[attr-defined]  # marks a wrapped function
    return batch


def _error_code(error: Any) -> str:
    original = error.original_error
    if isinstance(original, GatewayError):
        return original.code
    return "INTERNAL_SERVER_ERROR"


# Refusals by a limit after validation: the operation never ran (rate limit, cost).
REJECTED_CODES = frozenset({"RATE_LIMITED", "QUERY_TOO_COMPLEX"})


def _outcome(executed: bool, result: Any, errors: list[Any]) -> str:
    """success | error (ran, with errors; or stopped: a timeout) | invalid (did not parse,
    validate or coerce its variables) | rejected (refused by a limit before running)."""
    if not executed:
        return "invalid"
    if result is None:
        return "error"  # cancelled mid-execution (the execution timeout): not a success
    if errors and getattr(result, "data", None) is None and all(e.path is None for e in errors):
        codes = {(e.extensions or {}).get("code") for e in errors}
        return "rejected" if codes & REJECTED_CODES else "invalid"
    return "error" if errors else "success"


class OperationObserver(SchemaExtension):
    """Built per operation by the factory ``Operations.schema_extension`` returns."""

    def __init__(
        self, *, metrics: Metrics | None, tracing: Tracing, deprecated: DeprecatedUsage
    ) -> None:
        super().__init__()
        self.metrics = metrics
        self.tracing = tracing
        self.deprecated = deprecated
        self.record: RequestRecord | None = None
        self.executed = False
        self.open: dict[str, tuple[float, Any]] = {}  # phase -> (start, span handle)
        self.operation: tuple[str | None, str | None] | None = None

    def _begin(self, phase: str, **attributes: Any) -> None:
        self.open[phase] = (
            time.perf_counter(),
            self.tracing.begin(f"graphql.{phase}", **attributes),
        )

    def _end(self, phase: str) -> None:
        """Idempotent: called when the hook resumes, and again at the end of the operation for
        hooks that never resumed (ParserCache raising a syntax error while being entered)."""
        opened = self.open.pop(phase, None)
        if opened is None:
            return
        started, span = opened
        seconds = time.perf_counter() - started
        ec = self.execution_context
        failed = ec.graphql_document is None or bool(ec.pre_execution_errors)
        self.tracing.end(span, failed=failed)
        if self.record is not None:
            self.record.phases[phase] = self.record.phases.get(phase, 0.0) + seconds
        if self.metrics is not None:
            self.metrics.phase_timers[phase].observe(seconds)

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        request = getattr(context, "request", None)
        self.record = record_of(request) if request is not None else None
        loaders = getattr(context, "loaders", None)
        if loaders is not None:
            instrument_loaders(loaders, self.metrics, self.tracing)
        try:
            yield
        finally:
            for phase in reversed(list(self.open)):
                self._end(phase)
            self._finish()

    def on_parse(self) -> Iterator[None]:
        self._begin("parse")
        try:
            yield
        finally:
            self._end("parse")

    def on_validate(self) -> Iterator[None]:
        self._begin("validate")
        try:
            yield
        finally:
            self._end("validate")
        ec = self.execution_context
        if self.metrics is not None and not ec.pre_execution_errors and ec.graphql_document:
            # Strawberry keeps graphql-core's schema in ``_schema``; validation needs that one.
            used = self.deprecated.of(ec.schema._schema, ec.query or "", ec.graphql_document)
            client = self.metrics.client_label(self._client())
            for member in used:
                self.metrics.deprecated_usage.labels(member, client).inc()

    def on_execute(self) -> Iterator[None]:
        self.executed = True
        name, kind = self._operation()
        self._begin(
            "execute",
            **{"graphql.operation.name": name or "", "graphql.operation.type": kind or ""},
        )
        try:
            yield
        finally:
            self._end("execute")

    def _client(self) -> str | None:
        viewer = getattr(self.execution_context.context, "viewer", None)
        if viewer is None or getattr(viewer, "is_anonymous", True):
            return None
        return getattr(viewer, "name", None) or getattr(viewer, "role", None)

    def _operation(self) -> tuple[str | None, str | None]:
        if self.operation is not None:
            return self.operation
        ec = self.execution_context
        try:
            found = ec.operation_name, ec.operation_type.value
        except Exception:  # no document, or no operation of that name: nothing to report
            return ec.operation_name, None
        self.operation = found
        return found

    def _finish(self) -> None:
        ec = self.execution_context
        name, kind = self._operation()
        result = ec.result
        errors = list(getattr(result, "errors", None) or ec.pre_execution_errors or [])
        outcome = _outcome(self.executed, result, errors)
        if self.record is not None:
            self.record.operation_name = name
            self.record.operation_type = kind
            if self.record.client_id is None:
                self.record.client_id = self._client()
        if self.metrics is None:
            return
        self.metrics.operation_count(name, kind or "unknown", outcome).inc()
        if self.executed:
            for error in errors:
                if error.path is not None:
                    self.metrics.resolver_errors.labels(_error_code(error)).inc()
