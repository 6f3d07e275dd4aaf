"""Run an ``OperationPlan`` breadth first: one level of the response at a time.

Every object of a level is grouped with the other objects of the same sub-plan, and each field
is read for the whole group in one loop (so per-request work such as building a resolver's
``Info`` or coercing variable arguments happens once per field, not once per object). Resolvers
that return awaitables are collected for the whole level and awaited together (one gather per
depth), so dataloaders receive whole batches and no task is started per field.

Anything that would be an error in graphql-core (a resolver raising, null in a non-null
position, a value that does not serialise, an unknown runtime type) raises ``Fallback``-like
exceptions: the caller re-runs the operation on graphql-core, which reports it exactly as the
spec says. The plan itself never produces ``errors``.

The ``Info`` a resolver receives is shared by all objects of its field in a request: its
``path`` is the field's key under its parent type, without list indices (no resolver of this
schema reads the path).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from graphql import Undefined
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from strawberry.types.arguments import convert_arguments

from schema.execution.plan import (
    ABSTRACT,
    LEAF,
    LIST,
    OBJECT,
    Fallback,
    FieldPlan,
    ObjectPlan,
    OperationPlan,
    Shape,
    caller,
)

if TYPE_CHECKING:
    from graphql.execution.executor import Executor

Getter = Callable[[Any], Any]
# Leaf values that are never awaitable: no need to ask.
PLAIN = frozenset({str, int, float, bool, datetime, date})
Group = tuple[ObjectPlan, list[Any], list[dict[str, Any]]]


class Run:
    """One execution of a plan for one request."""

    def __init__(self, plan: OperationPlan, executor: Executor[Any]) -> None:
        self.plan = plan
        self.executor = executor
        self.is_awaitable = executor.is_awaitable
        # The plan's request-free getters; the others are bound on first use (``bind``).
        self.getters: list[Getter | None] = list(plan.getters)
        self.raw_infos: list[Any] = [None] * plan.slots
        schema = executor.schema._strawberry_schema  # type: ignore[attr-defined]  # set by Strawberry on its GraphQLSchema
        self.config = schema.config
        self.scalars = schema.schema_converter.scalar_registry

    async def execute(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        level: list[Group] = [(self.plan.root, [self.executor.root_value], [data])]
        while level:
            level = await self.run_level(level)
        return data

    async def run_level(self, level: list[Group]) -> list[Group]:
        upcoming: dict[int, Group] = {}
        pending: list[tuple[Any, FieldPlan, dict[str, Any]]] = []
        try:
            for plan, sources, targets in level:
                if plan.is_type_of is not None:
                    origin = plan.origin
                    for source in sources:
                        if type(source) is not origin and not plan.is_type_of(source, None):
                            raise Fallback(f"not a {plan.type.name}")
                for field in plan.fields:
                    self.read_field(field, sources, targets, pending, upcoming)
        except BaseException:
            _close(pending)
            raise
        if pending:
            awaitables = [p[0] for p in pending]
            if len(awaitables) == 1:
                values = [await awaitables[0]]
            else:
                values = await asyncio.gather(*awaitables, return_exceptions=True)
            for (_, field, target), value in zip(pending, values, strict=True):
                if isinstance(value, BaseException):
                    raise Fallback("a resolver raised") from value
                target[field.key] = self.complete(field, field.shape, value, upcoming)
        return list(upcoming.values())

    def read_field(
        self,
        field: FieldPlan,
        sources: list[Any],
        targets: list[dict[str, Any]],
        pending: list[tuple[Any, FieldPlan, dict[str, Any]]],
        upcoming: dict[int, Group],
    ) -> None:
        key = field.key
        if field.resolver is None:
            for target in targets:
                target[key] = field.constant
            return
        get = self.getters[field.slot] or self.bind(field)
        shape = field.shape
        is_awaitable = self.is_awaitable
        if shape.kind == LEAF:
            coerce, str_ok, non_null = shape.coerce, shape.str_ok, shape.non_null
            for source, target in zip(sources, targets, strict=True):
                value = get(source)
                if value is None:
                    if non_null:
                        raise Fallback("null in a non-null field")
                    target[key] = None
                elif str_ok and type(value) is str:
                    target[key] = value
                elif type(value) in PLAIN or not is_awaitable(value):
                    target[key] = _leaf(coerce, value)
                else:
                    target[key] = None  # keeps the key's position in the response
                    pending.append((value, field, target))
            return
        # An object of the field's own type is not awaitable (no need to ask).
        known = shape.plan.origin if shape.kind == OBJECT and shape.plan is not None else None
        for source, target in zip(sources, targets, strict=True):
            value = get(source)
            if type(value) is not known and is_awaitable(value):
                target[key] = None
                pending.append((value, field, target))
            else:
                target[key] = self.complete(field, shape, value, upcoming)

    def complete(
        self, field: FieldPlan, shape: Shape, value: Any, upcoming: dict[int, Group]
    ) -> Any:
        if value is None:
            if shape.non_null:
                raise Fallback("null in a non-null field")
            return None
        kind = shape.kind
        if kind == LEAF:
            if shape.str_ok and type(value) is str:
                return value
            return _leaf(shape.coerce, value)
        if kind == LIST:
            if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
                raise Fallback("not a list")
            item = shape.item
            assert item is not None
            if item.kind != LEAF and any(self.is_awaitable(v) for v in value):
                raise Fallback("awaitable list items")
            return [self.complete(field, item, v, upcoming) for v in value]
        if kind == OBJECT:
            plan = shape.plan
        else:
            assert kind == ABSTRACT
            plan = self.concrete_plan(field, shape, value)
        assert plan is not None
        target: dict[str, Any] = {}
        group = upcoming.get(id(plan))
        if group is None:
            upcoming[id(plan)] = (plan, [value], [target])
        else:
            group[1].append(value)
            group[2].append(target)
        return target

    def concrete_plan(self, field: FieldPlan, shape: Shape, value: Any) -> ObjectPlan:
        abstract = shape.abstract
        resolve_type = abstract.resolve_type or self.executor.type_resolver
        name = resolve_type(value, self.raw_info(field), abstract)
        plan = shape.plans.get(name) if isinstance(name, str) else None
        if plan is None:
            raise Fallback(f"cannot resolve the runtime type of {abstract.name}")
        return plan

    def raw_info(self, field: FieldPlan) -> Any:
        info = self.raw_infos[field.slot]
        if info is None:
            path = Path(None, field.key, field.parent_type.name)
            info = self.executor.build_resolve_info(
                field.field_def,  # type: ignore[arg-type]  # graphql-core accepts the field definition here  # resolvers have a definition
                field.field_nodes,
                field.parent_type,
                path,
            )
            self.raw_infos[field.slot] = info
        return info

    def bind(self, field: FieldPlan) -> Getter:
        """The request's getter for a field whose resolver takes the request's ``Info`` or
        variables (the others come bound with the plan: ``Resolver.getter``)."""
        resolver = field.resolver
        assert resolver is not None
        getter: Getter
        function = resolver.function
        assert function is not None
        info = None
        plain = resolver.plain_arguments
        if resolver.info_name is not None or (resolver.static_kwargs is None and plain is None):
            info = self.config.info_class(
                _raw_info=self.raw_info(field), _field=resolver.strawberry_field
            )
        if resolver.static_kwargs is not None:
            kwargs = dict(resolver.static_kwargs)  # with the Info added below
        else:
            values = get_argument_values(
                field.field_def,  # type: ignore[arg-type]  # graphql-core accepts the definition here
                field.field_nodes[0],
                self.executor.variable_values,
            )
            if plain is not None:  # what convert_arguments returns for these, without it
                kwargs = {python: values[name] for name, python in plain if name in values}
            else:
                kwargs = convert_arguments(
                    values, resolver.strawberry_field.arguments, self.scalars, self.config, info
                )
        if resolver.info_name is not None:
            kwargs[resolver.info_name] = info
        getter = caller(function, resolver.takes_self, resolver.root_names, kwargs)
        self.getters[field.slot] = getter
        return getter


def _leaf(coerce: Callable[[Any], Any] | None, value: Any) -> Any:
    assert coerce is not None
    coerced = coerce(value)
    if coerced is Undefined or coerced is None:
        raise Fallback("a value that does not serialise")
    return coerced


def _close(pending: list[tuple[Any, FieldPlan, dict[str, Any]]]) -> None:
    """Coroutines that will not be awaited (the plan is abandoned): close them quietly."""
    for awaitable, _, _ in pending:
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()
